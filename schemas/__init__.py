"""pandera models of every record that crosses a boundary, and the one validation step."""
