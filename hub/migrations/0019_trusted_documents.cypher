// Trusted documents (issue 16 item 3, auth/trusted.py): the operations a client is registered to
// send, one node per client and document, keyed by the client's id and the document's sha256.
CREATE CONSTRAINT trusted_document_key IF NOT EXISTS FOR (d:TrustedDocument) REQUIRE d.key IS UNIQUE;
