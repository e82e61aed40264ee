"""Read side: the typed StatusDocument; a query never writes or submits a step."""
