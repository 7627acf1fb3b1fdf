//! kqent collector (filled in by issue 2).
