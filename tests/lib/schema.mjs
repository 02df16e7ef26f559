// Checks a JSON value against the schemas of docs/openapi.json: the subset of OpenAPI 3.0
// schema keywords that document uses, so responses can be held to the published description.

function resolve(doc, node) {
  let n = node;
  for (let i = 0; n && n.$ref && i < 20; i++) {
    const parts = n.$ref.replace(/^#\//, '').split('/');
    n = parts.reduce((o, k) => o?.[k], doc);
    if (!n) throw new Error(`unresolvable $ref ${node.$ref}`);
  }
  return n;
}

const FORMATS = {
  date: /^\d{4}-\d\d-\d\d$/,
  'date-time': /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,6})?Z$/,
};

function typeOf(v) {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

// Returns a list of problems ("path: what"); empty when the value fits the schema.
export function check(doc, schema, value, path = '$', out = []) {
  const s = resolve(doc, schema);
  if (!s) return out;
  if (s.allOf) for (const sub of s.allOf) check(doc, sub, value, path, out);
  if (value === null) {
    if (!s.nullable && s.type) out.push(`${path}: null where ${s.type} is required`);
    return out;
  }
  const t = typeOf(value);
  if (s.type) {
    const ok = s.type === t || (s.type === 'number' && t === 'integer');
    if (!ok) {
      out.push(`${path}: ${t} where ${s.type} is required`);
      return out;
    }
  }
  if (s.enum && !s.enum.includes(value)) out.push(`${path}: ${JSON.stringify(value)} not one of ${s.enum.join(', ')}`);
  if (t === 'string') {
    const len = [...value].length;
    if (s.maxLength !== undefined && len > s.maxLength) out.push(`${path}: longer than ${s.maxLength}`);
    if (s.minLength !== undefined && len < s.minLength) out.push(`${path}: shorter than ${s.minLength}`);
    if (s.pattern && !new RegExp(s.pattern).test(value)) out.push(`${path}: ${JSON.stringify(value)} does not match ${s.pattern}`);
    if (s.format && FORMATS[s.format] && !FORMATS[s.format].test(value)) out.push(`${path}: ${JSON.stringify(value)} is not a ${s.format}`);
  }
  if (t === 'integer' || t === 'number') {
    if (s.minimum !== undefined && value < s.minimum) out.push(`${path}: below ${s.minimum}`);
    if (s.maximum !== undefined && value > s.maximum) out.push(`${path}: above ${s.maximum}`);
  }
  if (t === 'array') {
    if (s.minItems !== undefined && value.length < s.minItems) out.push(`${path}: fewer than ${s.minItems} items`);
    if (s.items) value.forEach((v, i) => check(doc, s.items, v, `${path}[${i}]`, out));
  }
  if (t === 'object') {
    for (const k of s.required || []) if (!(k in value)) out.push(`${path}: ${k} missing`);
    const props = s.properties || {};
    for (const [k, v] of Object.entries(value)) {
      if (props[k]) check(doc, props[k], v, `${path}.${k}`, out);
      else if (s.additionalProperties === false) out.push(`${path}: unexpected ${k}`);
      else if (s.additionalProperties && typeof s.additionalProperties === 'object') check(doc, s.additionalProperties, v, `${path}.${k}`, out);
    }
  }
  return out;
}

// The JSON schema of an operation's response with this status, or null when the description
// gives no body for it. Throws when the status is not described at all.
export function responseSchema(doc, path, method, status) {
  const op = doc.paths[path]?.[method.toLowerCase()];
  if (!op) throw new Error(`no operation ${method} ${path}`);
  const r = op.responses[String(status)];
  if (!r) throw new Error(`${method} ${path} does not describe a ${status} response`);
  const resp = resolve(doc, r);
  return resp.content?.['application/json']?.schema ?? null;
}

// The media type of an operation's response other than JSON (a calendar file), or null.
function otherMediaType(doc, path, method, status) {
  const r = doc.paths[path]?.[method.toLowerCase()]?.responses?.[String(status)];
  const types = Object.keys(resolve(doc, r ?? {})?.content ?? {});
  return types.length && !types.includes('application/json') ? types[0] : null;
}

// Problems with a response (status + parsed body + raw text) against the description.
export function checkResponse(doc, path, method, r) {
  let schema;
  try {
    schema = responseSchema(doc, path, method, r.status);
  } catch (e) {
    return [e.message];
  }
  const other = otherMediaType(doc, path, method, r.status);
  if (other) {
    const got = (r.headers?.get?.('content-type') || '').split(';')[0].trim();
    return got === other && r.text !== '' ? [] : [`a ${r.status} response is ${got || 'empty'}, not ${other}`];
  }
  if (schema === null) return r.text === '' ? [] : [`a ${r.status} response has a body: ${r.text.slice(0, 100)}`];
  if (r.body === null) return [`the body is not JSON: ${r.text.slice(0, 100)}`];
  return check(doc, schema, r.body);
}
