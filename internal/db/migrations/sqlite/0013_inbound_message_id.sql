-- A message is also known by its Message-ID from its sender: a re-sent copy
-- whose bytes differ (an added header) is still the same message.
CREATE UNIQUE INDEX inbound_messages_sender_message_id ON inbound_messages (sender, message_id) WHERE message_id <> '';
