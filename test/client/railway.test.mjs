// The operations guide's application stack against railway: Drizzle ORM over node-postgres,
// with the guide's Drizzle schema for the four tables. Run by test/client/run.sh (npm ci, a
// fresh database with the extension in the cluster named by the PG* variables, node --test).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';

import { randomBytes, scryptSync } from 'node:crypto';

import pg from 'pg';
import { drizzle } from 'drizzle-orm/node-postgres';
import { eq, sql } from 'drizzle-orm';
import {
  pgSchema, serial, integer, varchar, text, timestamp, boolean,
} from 'drizzle-orm/pg-core';

// ---- The guide's schema (schema "railway"). ----
const railway = pgSchema('railway');

export const users = railway.table('users', {
  id: serial('id').primaryKey(),
  username: varchar('username', { length: 50 }).notNull().unique(),
  password: varchar('password', { length: 255 }).notNull(),
  role: varchar('role', { length: 20 }).notNull().default('viewer'),
  createdAt: timestamp('created_at').defaultNow(),
});

export const trains = railway.table('trains', {
  id: serial('id').primaryKey(),
  trainNumber: varchar('train_number', { length: 20 }).notNull().unique(),
  description: text('description'),
  type: varchar('type', { length: 20 }).notNull().default('local'),
  kind: text('kind').notNull().default('numbered'),
});

export const locations = railway.table('locations', {
  id: serial('id').primaryKey(),
  name: varchar('name', { length: 100 }).notNull(),
  code: varchar('code', { length: 10 }).notNull().unique(),
});

export const schedules = railway.table('schedules', {
  id: serial('id').primaryKey(),
  trainId: integer('train_id').notNull().references(() => trains.id, { onDelete: 'restrict' }),
  departureLocationId: integer('departure_location_id').notNull().references(() => locations.id, { onDelete: 'restrict' }),
  arrivalLocationId: integer('arrival_location_id').notNull().references(() => locations.id, { onDelete: 'restrict' }),
  scheduledDeparture: timestamp('scheduled_departure').notNull(),
  scheduledArrival: timestamp('scheduled_arrival').notNull(),
  actualDeparture: timestamp('actual_departure'),
  actualArrival: timestamp('actual_arrival'),
  status: varchar('status', { length: 20 }).notNull().default('scheduled'),
  isCancelled: boolean('is_cancelled').notNull().default(false),
  runningDays: boolean('running_days').array().notNull().default(sql`'{t,t,t,t,t,t,t}'`),
  effectiveStartDate: timestamp('effective_start_date').notNull().default(sql`CURRENT_DATE`),
  effectiveEndDate: timestamp('effective_end_date'),
});

// ---- Helpers. ----
const pool = new pg.Pool({ max: 4 });
const db = drizzle(pool, { schema: { users, trains, locations, schedules } });

// The PostgreSQL error behind a Drizzle query error.
function pgErrorOf(error) {
  let e = error;
  while (e && !e.code && e.cause) e = e.cause;
  return e;
}

const d = (text) => new Date(`${text}Z`); // timestamps without time zone, read as UTC by Drizzle
const weekdays = [true, true, true, true, true, false, false];
let train;
let from;
let to;

before(async () => {
  // A vehicle (one trainset): its Monday-night run meets its Tuesday-morning run below. As a
  // numbered train (the default) runs departing on different dates do not conflict.
  [train] = await db.insert(trains)
    .values({ trainNumber: 'DZ-101', description: 'Drizzle test express', type: 'express', kind: 'vehicle' })
    .returning();
  [from, to] = await db.insert(locations)
    .values([{ name: 'Drizzle North', code: 'DZN' }, { name: 'Drizzle South', code: 'DZS' }])
    .returning();
});

after(async () => {
  await db.delete(schedules).where(eq(schedules.trainId, train.id));
  await db.delete(trains).where(eq(trains.trainNumber, 'DZ-101'));
  await db.delete(locations).where(sql`${locations.code} IN ('DZN', 'DZS')`);
  await db.delete(users).where(eq(users.username, 'drizzle-operator'));
  await pool.end();
});

test('inserts and reads back trains, locations, users and schedules with their types', async () => {
  // The application's own password hash: Node's crypto.scrypt in the common <hex key>.<hex salt>
  // form (the hex salt string is the salt). railway stores it as is and logs the user in.
  const salt = randomBytes(16).toString('hex');
  const nodeHash = `${scryptSync('drizzle-secret', salt, 64).toString('hex')}.${salt}`;
  const [user] = await db.insert(users)
    .values({ username: 'drizzle-operator', password: nodeHash, role: 'operator' })
    .returning();
  assert.equal(user.role, 'operator');
  assert.ok(user.createdAt instanceof Date);
  const login = await db.execute(sql`
    SELECT railway.authenticate('drizzle-operator', 'drizzle-secret') AS good,
           railway.authenticate('drizzle-operator', 'wrong') AS bad`);
  assert.deepEqual(login.rows, [{ good: 'operator', bad: null }]);
  // Plain text is refused by the database itself.
  await assert.rejects(
    db.insert(users).values({ username: 'drizzle-plain', password: 'secret' }),
    (error) => pgErrorOf(error).code === '23514',
  );

  const [inserted] = await db.insert(schedules).values({
    trainId: train.id,
    departureLocationId: from.id,
    arrivalLocationId: to.id,
    scheduledDeparture: d('2025-03-03 22:00:00'),
    scheduledArrival: d('2025-03-04 01:30:00'),
    runningDays: weekdays,
    effectiveStartDate: d('2025-03-01 00:00:00'),
  }).returning();

  const [row] = await db.select().from(schedules).where(eq(schedules.id, inserted.id));
  assert.deepEqual(row.runningDays, weekdays);
  assert.ok(row.scheduledDeparture instanceof Date);
  assert.equal(row.scheduledDeparture.toISOString(), '2025-03-03T22:00:00.000Z');
  assert.equal(row.scheduledArrival.toISOString(), '2025-03-04T01:30:00.000Z');
  assert.equal(row.effectiveStartDate.toISOString(), '2025-03-01T00:00:00.000Z');
  assert.equal(row.effectiveEndDate, null);
  assert.equal(row.actualDeparture, null);
  assert.equal(row.status, 'scheduled');
  assert.equal(row.isCancelled, false);

  const [joined] = await db.select({ number: trains.trainNumber, type: trains.type, from: locations.code })
    .from(schedules)
    .innerJoin(trains, eq(trains.id, schedules.trainId))
    .innerJoin(locations, eq(locations.id, schedules.departureLocationId))
    .where(eq(schedules.id, inserted.id));
  assert.deepEqual(joined, { number: 'DZ-101', type: 'express', from: 'DZN' });
});

test('a rule violation is an error with SQLSTATE 23514 and the rule\'s message', async () => {
  await assert.rejects(
    db.insert(schedules).values({
      trainId: train.id,
      departureLocationId: from.id,
      arrivalLocationId: to.id,
      scheduledDeparture: d('2025-03-03 10:00:00'),
      scheduledArrival: d('2025-03-03 09:00:00'),
    }),
    (error) => {
      const e = pgErrorOf(error);
      assert.equal(e.code, '23514');
      assert.equal(e.message, 'Arrival must be after departure');
      assert.equal(e.detail,
        'scheduled_arrival 2025-03-03 09:00:00 is not after scheduled_departure 2025-03-03 10:00:00.');
      return true;
    },
  );
  await assert.rejects(
    db.insert(schedules).values({
      trainId: train.id,
      departureLocationId: from.id,
      arrivalLocationId: to.id,
      scheduledDeparture: d('2025-03-03 10:00:00'),
      scheduledArrival: d('2025-03-03 11:00:00'),
      runningDays: [false, false, false, false, false, false, false],
    }),
    (error) => {
      const e = pgErrorOf(error);
      assert.equal(e.code, '23514');
      assert.equal(e.message, 'running_days must have at least one running day');
      return true;
    },
  );
});

test('a conflicting insert is an error with SQLSTATE 23P01 and the DETAIL text', async (t) => {
  // Monday 2025-03-03 22:00 -> 01:30 runs every weekday; a Tuesday-only 01:00 service collides
  // with the Monday-night run on Tuesday 2025-03-04.
  await assert.rejects(
    db.insert(schedules).values({
      trainId: train.id,
      departureLocationId: to.id,
      arrivalLocationId: from.id,
      scheduledDeparture: d('2025-03-04 01:00:00'),
      scheduledArrival: d('2025-03-04 02:00:00'),
      runningDays: [false, true, false, false, false, false, false],
      effectiveStartDate: d('2025-03-01 00:00:00'),
    }),
    (error) => {
      const e = pgErrorOf(error);
      assert.equal(e.code, '23P01');
      assert.match(e.message, /^Schedule conflicts with schedule \d+ of train DZ-101 on 2025-03-04$/);
      assert.equal(e.detail,
        'Both would run from 2025-03-04 01:00:00 to 2025-03-04 01:30:00 (the first overlapping window).');
      return true;
    },
  );
});

test('find_conflicts(), check_schedule_conflicts() and a report through db.execute(sql)', async (t) => {
  const all = await db.execute(sql`SELECT * FROM railway.find_conflicts(${train.id})`);
  assert.deepEqual(all.rows, []);
  assert.deepEqual(all.fields.map((f) => f.name),
    ['schedule_id', 'other_schedule_id', 'train_id', 'train_number', 'first_conflict']);

  // A proposed Tuesday 01:00 service would collide with the Monday-night run.
  const proposed = await db.execute(sql`
    SELECT id, train_number, departure_location, first_conflict
    FROM railway.check_schedule_conflicts(${train.id}, '2025-03-04 01:00', '2025-03-04 02:00',
                                          '{f,t,f,f,f,f,f}', '2025-03-01', NULL)`);
  assert.equal(proposed.rows.length, 1);
  assert.equal(proposed.rows[0].train_number, 'DZ-101');
  assert.equal(proposed.rows[0].departure_location, 'Drizzle North');
  assert.equal(proposed.rows[0].first_conflict, '["2025-03-04 01:00:00","2025-03-04 01:30:00")');

  const { rows: [{ present }] } = await db.execute(
    sql`SELECT to_regproc('railway.schedule_overview') IS NOT NULL AS present`);
  if (!present) {
    t.diagnostic('railway.schedule_overview (issue 5) is not installed in this build: report not run');
    return;
  }
  const report = await db.execute(sql`SELECT * FROM railway.schedule_overview('2025-01-01')`);
  assert.ok(Array.isArray(report.rows));
});

test('a transaction rolled back by a constraint error leaves nothing behind', async () => {
  await assert.rejects(db.transaction(async (tx) => {
    const [t2] = await tx.insert(trains).values({ trainNumber: 'DZ-ROLLBACK' }).returning();
    await tx.insert(schedules).values({
      trainId: t2.id,
      departureLocationId: from.id,
      arrivalLocationId: from.id, // check_different_locations
      scheduledDeparture: d('2025-03-03 10:00:00'),
      scheduledArrival: d('2025-03-03 11:00:00'),
    });
  }), (error) => pgErrorOf(error).code === '23514');
  const left = await db.select().from(trains).where(eq(trains.trainNumber, 'DZ-ROLLBACK'));
  assert.deepEqual(left, []);
});

test('a transaction rolled back by a trigger error leaves nothing behind', async (t) => {
  await assert.rejects(db.transaction(async (tx) => {
    const [loc] = await tx.insert(locations).values({ name: 'Drizzle Depot', code: 'DZD' }).returning();
    await tx.insert(schedules).values({
      trainId: train.id,
      departureLocationId: loc.id,
      arrivalLocationId: to.id,
      scheduledDeparture: d('2025-03-04 01:00:00'),
      scheduledArrival: d('2025-03-04 02:00:00'),
      runningDays: [false, true, false, false, false, false, false],
      effectiveStartDate: d('2025-03-01 00:00:00'),
    });
  }), (error) => pgErrorOf(error).code === '23P01');
  assert.deepEqual(await db.select().from(locations).where(eq(locations.code, 'DZD')), []);
  const count = await db.execute(sql`SELECT count(*)::int AS n FROM railway.schedules WHERE train_id = ${train.id}`);
  assert.equal(count.rows[0].n, 1);
});

test('the application\'s actual times and status, written into schedules, are recorded on the run they belong to', async () => {
  // The Monday-to-Friday 22:00 -> 01:30 service of the first test, planned for one week.
  const [service] = await db.select().from(schedules).where(eq(schedules.trainId, train.id));
  await db.execute(sql`SELECT railway.create_run_partitions(0, '2025-03-01')`);
  const planned = await db.execute(sql`SELECT railway.plan_runs('2025-03-03', '2025-03-07', ${train.id}) AS n`);
  assert.equal(Number(planned.rows[0].n), 5);

  // What the guide's application does, unchanged: update its schedule row through Drizzle.
  const record = (values) => db.update(schedules).set(values).where(eq(schedules.id, service.id)).returning();
  // Tuesday: departs 7 minutes late, arrives after midnight.
  await record({ actualDeparture: d('2025-03-04 22:07:00'), actualArrival: null, status: 'running' });
  const [arrived] = await record({ actualArrival: d('2025-03-05 01:41:00'), status: 'completed' });
  assert.equal(arrived.status, 'completed');
  // Wednesday's run leaves after midnight, 25 minutes late: still Wednesday's run.
  await record({ actualDeparture: d('2025-03-06 00:25:00'), actualArrival: null, status: 'delayed' });

  const runs = await db.execute(sql`
    SELECT run_date::text AS run_date, actual_departure::text AS departed, actual_arrival::text AS arrived, status
    FROM railway.runs WHERE schedule_id = ${service.id} ORDER BY run_date`);
  assert.deepEqual(runs.rows, [
    { run_date: '2025-03-03', departed: null, arrived: null, status: 'scheduled' },
    { run_date: '2025-03-04', departed: '2025-03-04 22:07:00', arrived: '2025-03-05 01:41:00', status: 'completed' },
    { run_date: '2025-03-05', departed: '2025-03-06 00:25:00', arrived: null, status: 'delayed' },
    { run_date: '2025-03-06', departed: null, arrived: null, status: 'scheduled' },
    { run_date: '2025-03-07', departed: null, arrived: null, status: 'scheduled' },
  ]);

  // A Saturday (the pattern does not run): the UPDATE succeeds, with a WARNING, and no run is made.
  const client = await pool.connect();
  const notices = [];
  client.on('notice', (n) => notices.push(n));
  try {
    await drizzle(client).update(schedules).set({ actualDeparture: d('2025-03-08 22:00:00') })
      .where(eq(schedules.id, service.id));
  } finally {
    client.release();
  }
  assert.equal(notices.length, 1);
  assert.equal(notices[0].severity, 'WARNING');
  assert.match(notices[0].message, /^Schedule \d+ has no run for its actual departure 2025-03-08 22:00:00: not recorded on a run$/);
  const [row] = await db.select().from(schedules).where(eq(schedules.id, service.id));
  assert.equal(row.actualDeparture.toISOString(), '2025-03-08T22:00:00.000Z');
  const count = await db.execute(sql`SELECT count(*)::int AS n FROM railway.runs WHERE schedule_id = ${service.id}`);
  assert.equal(count.rows[0].n, 5);

  // Routine actual times are not audited; the runs stay history (no row deletes).
  const audited = await db.execute(sql`SELECT count(*)::int AS n FROM railway.audit_log WHERE table_name = 'runs'`);
  assert.equal(audited.rows[0].n, 0);
  await db.execute(sql`DELETE FROM railway.runs WHERE schedule_id = ${service.id}`);
});
