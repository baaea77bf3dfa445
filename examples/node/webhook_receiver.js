// A minimal Paygate webhook receiver for Node (18+): the stock `standardwebhooks` package plus node:crypto.
//
//   npm install standardwebhooks
//   PAYGATE_WEBHOOK_SECRET=whsec_... node examples/node/webhook_receiver.js
//   # then set http://127.0.0.1:9000/webhook as your webhook URL and press "Send test webhook".
//
// Environment: PAYGATE_WEBHOOK_SECRET (required, exactly as Paygate shows it),
// WEBHOOK_RECEIVER_HOST (default 127.0.0.1), WEBHOOK_RECEIVER_PORT (default 9000).
//
// Both signatures are checked on the raw body bytes, before parsing JSON:
// - Standard Webhooks (webhook-id / webhook-timestamp / webhook-signature) with the stock library,
//   which also refuses a timestamp more than 5 minutes off (replays);
// - X-Webhook-Signature: hex HMAC-SHA256 of the body keyed with the UTF-8 bytes of the whole secret.
// Reply 2xx quickly; anything else makes Paygate retry with the same webhook-id (dedupe on it).
// Events may arrive out of order: `sequence` is the event's place in its payment's or refund's life
// (payment: created 1, pending 2, success|failed 3; refund: created 1, processed 2). Keep the
// highest one applied per object id and ignore an event with a lower one.
"use strict";

const crypto = require("node:crypto");
const http = require("node:http");
const { Webhook } = require("standardwebhooks");

// Generated secrets (whsec_ + base64) go to the library as they are; only the seeded legacy
// whsec_test_abc123 (its tail is not base64) is keyed with the whole string, base64-wrapped here.
function stockLibrarySecret(secret) {
  const tail = secret.startsWith("whsec_") ? secret.slice(6) : secret;
  const isBase64 = /^[A-Za-z0-9+/]+={0,2}$/.test(tail) && tail.length % 4 === 0;
  return isBase64 ? secret : "whsec_" + Buffer.from(secret, "utf8").toString("base64");
}

function verifyRequest(body, headers, secret) {
  new Webhook(stockLibrarySecret(secret)).verify(body, {
    "webhook-id": headers["webhook-id"] || "",
    "webhook-timestamp": headers["webhook-timestamp"] || "",
    "webhook-signature": headers["webhook-signature"] || "",
  });
  const expected = crypto.createHmac("sha256", Buffer.from(secret, "utf8")).update(body).digest("hex");
  const given = String(headers["x-webhook-signature"] || "").trim().toLowerCase();
  if (given.length !== expected.length || !crypto.timingSafeEqual(Buffer.from(given), Buffer.from(expected))) {
    throw new Error("bad X-Webhook-Signature");
  }
}

function main() {
  const secret = process.env.PAYGATE_WEBHOOK_SECRET;
  if (!secret) {
    console.error("Set PAYGATE_WEBHOOK_SECRET to your webhook secret (whsec_...)");
    process.exit(1);
  }
  const host = process.env.WEBHOOK_RECEIVER_HOST || "127.0.0.1";
  const port = Number(process.env.WEBHOOK_RECEIVER_PORT || 9000);
  const seen = new Set();
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on("data", (chunk) => chunks.push(chunk));
    req.on("end", () => {
      const body = Buffer.concat(chunks);
      const reply = (status, content) => {
        res.writeHead(status, { "Content-Type": "application/json" });
        res.end(JSON.stringify(content));
      };
      try {
        verifyRequest(body, req.headers, secret);
      } catch (err) {
        console.log(`refused: ${err.message}`);
        return reply(401, { error: err.message });
      }
      const id = req.headers["webhook-id"];
      if (seen.has(id)) return reply(200, { received: true, duplicate: true });
      seen.add(id);
      const event = JSON.parse(body.toString("utf8"));
      // Apply it only if event.sequence is higher than what you hold for that payment/refund.
      console.log(`${event.event} id=${id} data=${JSON.stringify(event.data)}`);
      reply(200, { received: true });
    });
  });
  server.listen(port, host, () => console.log(`Listening on http://${host}:${port}/webhook`));
}

main();
