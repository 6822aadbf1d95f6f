"""Batch after batch (卫片执法 batches arrive quarterly or monthly and send the same ground
again): the previous batch's result read back (previous), each new patch matched to the
previous patches it overlaps and their ledger state carried forward (carry)."""
