"""What a patch touches in the parcel layers (地类图斑 DLTB, 永久基本农田图斑 YJJBNTTB): the
parcel attributes a result reports (attributes), the net areas after the 田坎 deduction 扣除
(net) and the parcels behind each overlap with their owners (hits)."""
