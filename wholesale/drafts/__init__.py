"""Order drafts: what a buyer's free-text message became, before it is placed (chat-first
ordering, CONTRACT.md §3 "Conversations and chat-first ordering")."""
