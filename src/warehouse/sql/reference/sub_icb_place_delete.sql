DELETE FROM sub_icb_place
