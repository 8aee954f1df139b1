-- An outbox event that cannot be expanded into messages (issue 12: one bad row stopped every
-- notification) is set aside with its reason, shown in the message log, and the others go on.
alter table outbox add column failed_reason text;

-- API tokens live for a configured number of days; tokens from before this migration get 30
-- days from their creation. A password reset or a deactivation revokes them (revoked_at).
alter table api_tokens add column expires_at timestamp;
update api_tokens set expires_at = created_at + interval '30 days' where expires_at is null;
alter table api_tokens alter column expires_at set not null;
create index api_tokens_user on api_tokens (user_id);
