-- The bid transaction in raw SQL on the real tables: lock the auction row,
-- insert the bid one above the price, move the price and the leader.
-- Variables: aid_min/aid_max (the auctions), bidder_min/bidder_max (users).
\set aid random(:aid_min, :aid_max)
\set bidder random(:bidder_min, :bidder_max)
BEGIN;
SELECT current_price_stars AS price FROM auctions_auction WHERE id = :aid FOR UPDATE \gset
INSERT INTO auctions_bid (auction_id, bidder_id, amount, max_amount, is_automatic, created_at) VALUES (:aid, :bidder, :price + 1, NULL, false, now());
UPDATE auctions_auction SET current_price_stars = :price + 1, leader_id = :bidder, leader_max_stars = :price + 1, bid_count = bid_count + 1, updated_at = now() WHERE id = :aid;
COMMIT;
