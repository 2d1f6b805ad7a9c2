// Decodes a GTFS-realtime FeedMessage (protobuf) with the official bindings
// (gtfs-realtime-bindings, MobilityData) for tools/gtfs_rt_import.sh, and writes it as one CSV
// field (the message as JSON: toObject with 64-bit integers as strings and enums as names) for
// psql's \copy. Usage: node decode.mjs MESSAGE.pb OUT.csv. Exit 1 with a message on stderr when
// the file is not a FeedMessage (truncated, not protobuf, a required field missing).
import { readFileSync, writeFileSync } from "node:fs";
import GtfsRealtimeBindings from "gtfs-realtime-bindings";

const { FeedMessage } = GtfsRealtimeBindings.transit_realtime;
const [input, output] = process.argv.slice(2);
let message;
try {
  const bytes = readFileSync(input);
  message = FeedMessage.decode(bytes);
  const problem = FeedMessage.verify(message);
  if (problem) throw new Error(problem);
} catch (e) {
  process.stderr.write(`gtfs_rt_import: not a GTFS-realtime FeedMessage: ${e.message}\n`);
  process.exit(1);
}
const object = FeedMessage.toObject(message, { longs: String, enums: String, defaults: false, arrays: true });
const json = JSON.stringify(object);
writeFileSync(output, '"' + json.replaceAll('"', '""') + '"\n');
