"""What the tests share, each helper once: factories, signed-in clients, control of the
offline servers, page text and real worker processes. The benchmarks use it too."""
