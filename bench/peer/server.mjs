// 同类对照服务 The peer of `hub bench peer`: the Neo4j GraphQL Library (@neo4j/graphql 7) on
// Apollo Server 5, serving the hub's own graph read-only, so the hub's GraphQL layer can be
// timed against the library most teams would reach for over the same Neo4j and the same data.
//
// Configured by the hub's own variables, so both servers read one database:
//   HUB_NEO4J_URI (bolt://127.0.0.1:7687), HUB_NEO4J_USER (neo4j), HUB_NEO4J_PASSWORD (required:
//   no password is written here), HUB_NEO4J_DATABASE (neo4j); PEER_PORT or `--port N` (4000),
//   PEER_HOST (127.0.0.1).
// It prints one line, `peer ready http://host:port/`, once the schema is built and the database
// answered; `hub bench peer` waits for a query to answer instead of reading it.

import net from "node:net";
import { parseArgs } from "node:util";

import { ApolloServer } from "@apollo/server";
import { startStandaloneServer } from "@apollo/server/standalone";
import { Neo4jGraphQL } from "@neo4j/graphql";
import neo4j from "neo4j-driver";

// Nagle's algorithm off on every socket this process opens. The Node driver never calls
// setNoDelay, so a Bolt message split over two writes (a larger Cypher text and its parameters)
// waits for the server's delayed ACK: ~40-45 ms on Linux for exactly the documents benchmarked
// here. The hub's Python driver sets TCP_NODELAY; without this the peer would be timed on a
// socket option, not on its GraphQL layer. Patched on the prototype before the driver opens any
// connection (it reaches net.Socket#connect through net.connect and tls.connect alike).
const connect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function connectWithoutNagle(...args) {
    this.setNoDelay(true);
    return connect.apply(this, args);
};

// The fields every kind of fact has: the interface's, repeated by each type that implements it
// (GraphQL asks each implementation to list them).
const FACT_FIELDS = `
    id: ID!
    date: Date
    recordedBy: String
    recordedIn: String
    source: String
    sourceKey: String
    recordedAt: DateTime
`;

// The hub's graph as the library sees it (schema/README.md). Only reads: no mutation is
// generated. Labels are the graph's own, several per node: a fact is `:Fact:<Kind>`, an
// organisation `:Organisation:<Kind>`; each type names all of its labels so the library matches
// on both, as the hub's queries do. Sensitive properties (ID hashes, ciphers) are left out.
export const typeDefs = /* GraphQL */ `
  extend schema @mutation(operations: [])

  type Region @node {
    code: ID!
    name: String
    level: String
    current: Boolean
  }

  "Any organisation: school, resource centre, rehabilitation or welfare institution, committee."
  type Organisation @node {
    id: ID!
    name: String
    regionCode: String
  }

  type School @node(labels: ["Organisation", "School"]) {
    id: ID!
    name: String
    regionCode: String
    code: String
    schoolType: String
    specialClasses: Int
    pupils: [Placement!]! @relationship(type: "AT", direction: IN)
  }

  type Child @node {
    id: ID!
    name: String
    sex: String
    birthDate: Date
    regionCode: String
    idMasked: String
    disabilityCategory: Int
    disabilityGrade: Int
    specialNeeds: [String!]
    facts: [Fact!]! @relationship(type: "HAS_FACT", direction: OUT)
    currentPlacement: Placement @relationship(type: "CURRENT_PLACEMENT", direction: OUT)
    livesIn: Region @relationship(type: "LIVES_IN", direction: OUT)
  }

  "A dated fact about a child; the concrete type is its kind (hub/facts.py)."
  interface Fact {
${FACT_FIELDS}  }

  type DisabilityCertificate implements Fact @node(labels: ["Fact", "DisabilityCertificate"]) {
${FACT_FIELDS}    numberMasked: String
    category: Int
    grade: Int
    validUntil: Date
  }

  type Screening implements Fact @node(labels: ["Fact", "Screening"]) {
${FACT_FIELDS}    screeningNo: String
    institution: String
    result: String
    diagnosedOn: Date
    referral: String
  }

  type Assessment implements Fact @node(labels: ["Fact", "Assessment"]) {
${FACT_FIELDS}    kind: String
    recommendation: String
    summary: String
    committee: Organisation @relationship(type: "BY", direction: OUT)
  }

  type Placement implements Fact @node(labels: ["Fact", "Placement"]) {
${FACT_FIELDS}    type: String
    stage: String
    grade: String
    className: String
    status: String
    endDate: Date
    endReason: String
    organisation: Organisation @relationship(type: "AT", direction: OUT)
  }

  type ServiceSession implements Fact @node(labels: ["Fact", "ServiceSession"]) {
${FACT_FIELDS}    kind: String
    hours: Float
    content: [String!]
    provider: String
    organisation: Organisation @relationship(type: "BY", direction: OUT)
  }

  type Plan implements Fact @node(labels: ["Fact", "Plan"]) {
${FACT_FIELDS}    version: Int
    goals: String
    current: Boolean
  }

  type Transition implements Fact @node(labels: ["Fact", "Transition"]) {
${FACT_FIELDS}    fromStage: String
    toStage: String
    fromType: String
    toType: String
    status: String
  }

  type DropoutCase implements Fact @node(labels: ["Fact", "DropoutCase"]) {
${FACT_FIELDS}    reason: String
    actions: [String!]
    status: String
  }

  type WelfareStatus implements Fact @node(labels: ["Fact", "WelfareStatus"]) {
${FACT_FIELDS}    category: String
    aidProgramme: String
    endDate: Date
  }

  type DeviceFitting implements Fact @node(labels: ["Fact", "DeviceFitting"]) {
${FACT_FIELDS}    device: String
  }
`;

function settings() {
    const { values } = parseArgs({
        options: { port: { type: "string" }, "print-schema": { type: "boolean" } },
    });
    const password = process.env.HUB_NEO4J_PASSWORD;
    if (!password && !values["print-schema"]) {
        console.error("错误 error: HUB_NEO4J_PASSWORD is not set (the peer reads the hub's database)");
        process.exit(2);
    }
    return {
        uri: process.env.HUB_NEO4J_URI || "bolt://127.0.0.1:7687",
        user: process.env.HUB_NEO4J_USER || "neo4j",
        password,
        database: process.env.HUB_NEO4J_DATABASE || "neo4j",
        host: process.env.PEER_HOST || "127.0.0.1",
        port: Number(values.port || process.env.PEER_PORT || 4000),
        printSchema: Boolean(values["print-schema"]),
    };
}

async function main() {
    const conf = settings();
    if (conf.printSchema) {  // the generated API, to read which filters and sorts it offers
        const { printSchema } = await import("graphql");
        const schema = await new Neo4jGraphQL({ typeDefs }).getSchema();
        process.stdout.write(printSchema(schema));
        return;
    }
    const driver = neo4j.driver(conf.uri, neo4j.auth.basic(conf.user, conf.password));
    await driver.verifyConnectivity({ database: conf.database });
    const schema = await new Neo4jGraphQL({ typeDefs, driver }).getSchema();
    const server = new ApolloServer({ schema });
    const sessionConfig = { database: conf.database };
    const { url } = await startStandaloneServer(server, {
        listen: { host: conf.host, port: conf.port },
        context: async () => ({ sessionConfig }),
    });
    console.log(`peer ready ${url}`);

    const stop = async () => {
        await server.stop();
        await driver.close();
        process.exit(0);
    };
    process.on("SIGTERM", stop);
    process.on("SIGINT", stop);
}

main().catch((error) => {
    console.error(`错误 error: ${error?.stack || error}`);
    process.exit(1);
});
