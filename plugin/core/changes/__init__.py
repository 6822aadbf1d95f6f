"""Change patches from two annual land-parcel layers (DLTB): reading both years, matching the
unchanged parcels, overlaying the rest, and the farmland balance sheet (耕地进出平衡表) with its
chart."""
