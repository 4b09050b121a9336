-- Each canonical entity's topics: which side of the nexus it stands on.
SELECT DISTINCT canonical_id, value AS topic FROM statements WHERE prop = 'topics'
