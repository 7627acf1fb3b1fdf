//! kqent report schema and renderers (filled in by issue 5).
