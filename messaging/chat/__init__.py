"""Order chat: one thread per order, its messages (text, order events, internal notes),
attachments and read state, delivered live over Socket.IO and through the JSON API."""
