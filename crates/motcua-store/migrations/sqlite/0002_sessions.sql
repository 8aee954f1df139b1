-- Browser sessions: the cookie holds a random token, the table its SHA-256.
create table web_sessions (
    token_hash text primary key,
    agency_id blob,
    user_id blob not null references users (id),
    created_at text not null,
    expires_at text not null
);
create index web_sessions_user on web_sessions (user_id);
