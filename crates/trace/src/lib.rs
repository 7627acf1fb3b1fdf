//! kqent trace format (filled in by issue 2).
