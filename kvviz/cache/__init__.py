"""Cache policies and the rules of what a cache holds (positions, bytes): each rule once."""
