"""HTTP to providers: the session seam, request policy, error mapping, codec, secrets, observers."""
