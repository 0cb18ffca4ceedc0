"""Camera readers (one thread each, latest-frame mailbox) and the built-in test-pattern source."""
