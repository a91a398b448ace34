-- One sub-ICB location's place name. $1 sub-ICB code, $2 CCG code, $3 CCG ONS code, $4 CCG name, $5 place
-- name, $6 local authorities, $7 basis.
INSERT INTO sub_icb_place (sub_icb_code, ccg_code, ccg_ons_code, ccg_name, place_name, local_authorities, basis)
VALUES ($1, $2, $3, $4, $5, $6, $7)
