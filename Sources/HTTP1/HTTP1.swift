// HTTP1 placeholder
