-- Clears area_version before it is rebuilt from every practice-map release.
DELETE FROM area_version
