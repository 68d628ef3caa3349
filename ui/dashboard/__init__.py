"""The Dashboard's charts (pyqtgraph) and its live throughput sampler."""
