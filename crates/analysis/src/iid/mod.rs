//! SP 800-90B section 5: the IID tests.
