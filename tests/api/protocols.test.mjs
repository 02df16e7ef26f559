// The clinic's data files at start-up: the shipped protocols/ serve (the catalogue gives the
// treatments, course protocols and injection maps), and a mistake in a copy a clinic edited
// stops `autologa serve` with the file, the entry and the field named, before it listens. A clinic changes a threshold without recompiling and the server uses the new value.
import assert from 'node:assert/strict';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  PROTOCOLS, createPatient, roleClients, runCli, show, startServer, strongPassword,
} from '../lib/server.mjs';

let work;

async function copyProtocols(name) {
  const dir = join(work, name);
  await cp(PROTOCOLS, dir, { recursive: true });
  return dir;
}

async function editJson(file, edit) {
  const doc = JSON.parse(await readFile(file, 'utf8'));
  edit(doc);
  await writeFile(file, JSON.stringify(doc, null, 1));
}

// Runs `serve` against a fresh database and the given protocols; it must fail to start.
function serveFails(protocols) {
  const db = join(work, `db-${Math.random().toString(36).slice(2)}.db`);
  const init = runCli(['init', '--db', db, '--admin-user', 'admin', '--admin-name', 'Test Admin'], {
    AUTOLOGA_ADMIN_PASSWORD: strongPassword('admin'),
  });
  assert.equal(init.status, 0, init.stderr);
  return runCli(['serve', '--db', db, '--listen', '127.0.0.1:0', '--protocols', protocols]);
}

describe('protocol files at start-up', () => {
  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'autologa-protocols-'));
  });
  after(async () => {
    await rm(work, { recursive: true, force: true });
  });

  it('a missing protocols directory names the file it could not open', () => {
    const r = serveFails(join(work, 'nowhere'));
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, /nowhere\/screening\.json: cannot be opened/);
    assert.doesNotMatch(r.stdout, /listening/);
  });

  it('a rule with a wrong field names the file, the rule and the field', async () => {
    const dir = await copyProtocols('bad-effect');
    await editJson(join(dir, 'screening.json'), (doc) => {
      doc.rules.find((x) => x.id === 'PRP-REL-2').effect = 'forbidden';
    });
    const r = serveFails(dir);
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, /screening\.json: rule PRP-REL-2: field 'effect'/);
  });

  it('JSON that does not parse names the file, line and column', async () => {
    const dir = await copyProtocols('bad-json');
    const file = join(dir, 'drugs.json');
    await writeFile(file, (await readFile(file, 'utf8')).replace('"drugs"', '"drugs" oops'));
    const r = serveFails(dir);
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, /drugs\.json: line \d+, column \d+/);
  });

  it('files that disagree are refused: a rule unit the lab table does not know', async () => {
    const dir = await copyProtocols('bad-unit');
    await editJson(join(dir, 'screening.json'), (doc) => {
      doc.analytes.find((a) => a.code === 'ferritin').unit = 'mg/mL';
    });
    const r = serveFails(dir);
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, /screening\.json: ferritin: field 'unit' 'mg\/mL' is not a unit of 'ferritin' in labs\.json/);
  });

  it('a course protocol with a wrong number names the file, the entry and the field', async () => {
    const dir = await copyProtocols('bad-course');
    await editJson(join(dir, 'prp-hair.json'), (doc) => {
      doc.sessions.interval_days.earliest = 45;
    });
    const r = serveFails(dir);
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, /prp-hair\.json: sessions: field 'interval_days\.earliest' must not be after the target/);
    assert.doesNotMatch(r.stdout, /listening/);
  });

  it('a course number without its basis, and a catalogue entry naming no file, stop the start', async () => {
    const dir = await copyProtocols('no-basis');
    await editJson(join(dir, 'adsc-hair.json'), (doc) => {
      delete doc.follow_ups[0].basis.window_days;
    });
    let r = serveFails(dir);
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, /adsc-hair\.json: follow_ups\[0\] \(early_hair\): field 'basis\.window_days' is required/);

    const dir2 = await copyProtocols('no-file');
    await editJson(join(dir2, 'treatments.json'), (doc) => {
      doc.treatments.find((t) => t.code === 'prp-beard').protocol = 'prp-beard.json';
    });
    r = serveFails(dir2);
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, /treatments\.json: treatments\[4\] \(prp-beard\): field 'protocol' names prp-beard\.json/);
  });

  it('an injection map zone citing an unknown rule stops the start', async () => {
    const dir = await copyProtocols('bad-map');
    await editJson(join(dir, 'injection-maps.json'), (doc) => {
      const lips = doc.maps.find((m) => m.code === 'face').zones.find((z) => z.code === 'lips');
      lips.high_risk = true;
      lips.rule = 'PRP-LIPS-9';
    });
    const r = serveFails(dir);
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, /injection-maps\.json: lips: field 'rule' 'PRP-LIPS-9' is not a rule of screening\.json/);
    assert.doesNotMatch(r.stdout, /listening/);
  });

  it('the catalogue offers the treatments and the whole course protocols', async () => {
    const server = await startServer();
    try {
      const { nurse } = await roleClients(server);
      const r = await nurse.get('/api/v1/catalog');
      assert.equal(r.status, 200, show(r));
      assert.deepEqual(r.body.treatments_offered.map((t) => [t.code, t.protocol]), [
        ['prp-hair', 'prp-hair'], ['prp-face', 'prp-face'], ['adsc-hair', 'adsc-hair'],
        ['mesotherapy', null], ['prp-beard', null], ['adsc-transplant', null],
      ]);
      const shipped = JSON.parse(await readFile(join(PROTOCOLS, 'prp-hair.json'), 'utf8'));
      assert.deepEqual(r.body.protocols.find((p) => p.code === 'prp-hair'), shipped);
      // The injection maps as the file gives them, without the file's rule citations.
      const maps = JSON.parse(await readFile(join(PROTOCOLS, 'injection-maps.json'), 'utf8'));
      assert.deepEqual(r.body.injection_maps, maps.maps.map((m) => ({
        code: m.code, label: m.label,
        zones: m.zones.map((z) => ({
          code: z.code, label: z.label, area_cm2: z.area_cm2, high_risk: z.high_risk === true,
        })),
      })));
      const face = r.body.injection_maps.find((m) => m.code === 'face');
      assert.deepEqual(face.zones.filter((z) => z.high_risk).map((z) => z.code),
        ['forehead', 'glabella', 'nasolabial_left', 'nasolabial_right']);
    } finally {
      await server.cleanup();
    }
  });

  it('a clinic changes the ferritin flag without recompiling', async () => {
    // Ferritin 35 ng/mL is above the shipped flag (30) and below an edited one (40).
    const flagged = async (protocols) => {
      const server = await startServer(protocols ? { extraArgs: ['--protocols', protocols] } : {});
      try {
        const { doctor } = await roleClients(server);
        const p = await createPatient(doctor);
        const lab = await doctor.post(`/api/v1/patients/${p.id}/labs`, {
          analyte: 'ferritin', value: 35, unit: 'ng/mL', measured_at: '2026-11-01',
        });
        assert.equal(lab.status, 201, show(lab));
        const r = await doctor.get(
          `/api/v1/patients/${p.id}/screening?treatment=prp-hair&session_at=2026-11-20T09:00:00.000Z`,
        );
        assert.equal(r.status, 200, show(r));
        return r.body.items[0].reasons.some((x) => x.rule === 'HAIR-WU-1');
      } finally {
        await server.cleanup();
      }
    };
    const dir = await copyProtocols('ferritin-40');
    await editJson(join(dir, 'screening.json'), (doc) => {
      doc.rules.find((x) => x.id === 'HAIR-WU-1').condition.threshold = 40;
    });
    assert.equal(await flagged(null), false, 'the shipped flag is below 30 ng/mL');
    assert.equal(await flagged(dir), true, 'the edited flag is below 40 ng/mL');
  });
});
