-- The featurebase conversation topics carry the conversation's id and dashboard URL in
-- their envelope; the event keeps them so that every delivery writes the same ones.
ALTER TABLE events ADD COLUMN conversation_id TEXT;
ALTER TABLE events ADD COLUMN conversation_url TEXT;
