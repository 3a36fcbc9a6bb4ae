// Rate limits shared by every hub process and replica (auth/ratelimit.py): one bucket per
// client, found by its key on every request, and never two for one client.
CREATE CONSTRAINT rate_bucket_key IF NOT EXISTS FOR (b:RateBucket) REQUIRE b.key IS UNIQUE;
// Sign-in attempt counts shared the same way (auth/attempt_store.py): one record per address
// and per (address, name); records past their expiry are swept a few at a time.
CREATE CONSTRAINT sign_in_attempts_key IF NOT EXISTS FOR (r:SignInAttempts) REQUIRE r.key IS UNIQUE;
CREATE INDEX sign_in_attempts_expires IF NOT EXISTS FOR (r:SignInAttempts) ON (r.expires);
