//! Basic statistics: Shannon entropy, plug-in min-entropy, chi-square, autocorrelation, histogram.
