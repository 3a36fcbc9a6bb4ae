// Rate limits shared by every hub process and replica (auth/ratelimit.py): one bucket per
// client, found by its key on every request, and never two for one client.
CREATE CONSTRAINT rate_bucket_key IF NOT EXISTS FOR (b:RateBucket) REQUIRE b.key IS UNIQUE;
