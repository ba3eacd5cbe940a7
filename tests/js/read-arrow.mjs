// Reads an Arrow IPC stream with the apache-arrow package and prints it as one line of JSON:
//   { "schema": [{ "name", "type", "nullable" }], "rows": [{ name: value }] }
// Types are written utf8, int64, decimal128(20,2) and so on; integers and decimals are exact decimal strings (never
// through a float), text is a string, null is null. Used by the gateway tests: node read-arrow.mjs <file>
import { readFileSync } from 'node:fs';
import { DataType, tableFromIPC, util } from 'apache-arrow';

const file = process.argv[2];
if (!file) {
  console.error('usage: node read-arrow.mjs <arrow-ipc-stream-file>');
  process.exit(2);
}

const table = tableFromIPC(readFileSync(file));

function typeName(type) {
  if (DataType.isUtf8(type)) return 'utf8';
  if (DataType.isInt(type)) return `${type.isSigned ? 'int' : 'uint'}${type.bitWidth}`;
  if (DataType.isDecimal(type)) return `decimal${type.bitWidth}(${type.precision},${type.scale})`;
  return String(type);
}

// The unscaled integer of a decimal with the point put back, digit for digit.
function decimalText(unscaled, scale) {
  const negative = unscaled < 0n;
  const digits = (negative ? -unscaled : unscaled).toString().padStart(scale + 1, '0');
  const text = scale === 0 ? digits : `${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
  return negative ? `-${text}` : text;
}

function valueOf(value, type) {
  if (value === null || value === undefined) return null;
  if (DataType.isDecimal(type)) return decimalText(util.bigNumToBigInt(value), type.scale);
  if (typeof value === 'bigint') return value.toString();
  return value;
}

const fields = table.schema.fields;
const columns = fields.map((_, i) => table.getChildAt(i));
const rows = [];
for (let r = 0; r < table.numRows; r++) {
  const row = {};
  fields.forEach((field, i) => {
    row[field.name] = valueOf(columns[i].get(r), field.type);
  });
  rows.push(row);
}

const schema = fields.map((f) => ({ name: f.name, type: typeName(f.type), nullable: f.nullable }));
process.stdout.write(`${JSON.stringify({ schema, rows })}\n`);
