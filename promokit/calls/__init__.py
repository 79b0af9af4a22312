"""What the client does around each provider call: argument checks, provider wiring, paged lists."""
