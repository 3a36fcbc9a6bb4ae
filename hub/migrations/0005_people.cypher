// People who sign in to the console (auth/people.py) and their one-time authorization codes
// (auth/authorize.py). Codes are stored as a hash only, and live 60 seconds.
CREATE CONSTRAINT person_id IF NOT EXISTS FOR (p:Person) REQUIRE p.id IS UNIQUE;
CREATE CONSTRAINT person_username IF NOT EXISTS FOR (p:Person) REQUIRE p.username IS UNIQUE;
CREATE CONSTRAINT authorization_code IF NOT EXISTS FOR (a:AuthorizationCode) REQUIRE a.hash IS UNIQUE;
