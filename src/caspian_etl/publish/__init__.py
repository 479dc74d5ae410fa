"""What readers get besides the tables: the data catalog and the HTML report."""
