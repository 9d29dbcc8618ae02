// A user's whole journey against a live server, every response body parsed
// with orval's zod schema for that operation and HTTP status. The schemas
// are strict: a member the spec does not declare, a missing required one or
// a value of the wrong type fails the parse, and so the run.
//
// The server must limit failed logins per email to AUTH_FAILURES_PER_EMAIL
// (given to this script too), so that the 429 is reached in a few requests.
//
// Usage: TASKS_API_URL=http://127.0.0.1:PORT AUTH_FAILURES_PER_EMAIL=3 node build/journey.js
import assert from 'node:assert/strict';

import type { z } from 'zod';

import * as api from './gen/orval/zod.js';

const baseUrl = process.env.TASKS_API_URL;
const failuresPerEmail = Number(process.env.AUTH_FAILURES_PER_EMAIL ?? 'NaN');
if (!baseUrl || !Number.isInteger(failuresPerEmail) || failuresPerEmail < 1) {
  throw new Error('set TASKS_API_URL and AUTH_FAILURES_PER_EMAIL (the server\'s setting)');
}

interface Reply {
  status: number;
  headers: Headers;
  body: unknown;
}

let token: string | undefined;

/** One request with a JSON body (or none); the reply's body parsed as JSON. */
async function send(
  method: string,
  path: string,
  options: { body?: unknown; headers?: Record<string, string> } = {},
): Promise<Reply> {
  const headers: Record<string, string> = { ...options.headers };
  if (token) headers.authorization = `Bearer ${token}`;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(new URL(path, baseUrl), {
    method,
    headers,
    body: options.body === undefined ? null : JSON.stringify(options.body),
    signal: AbortSignal.timeout(30_000),
  });
  const text = await response.text();
  return {
    status: response.status,
    headers: response.headers,
    body: text === '' ? undefined : JSON.parse(text),
  };
}

/** Asserts the status and the media type, then parses the body strictly. */
function expect<S extends z.ZodType>(reply: Reply, status: number, schema: S): z.output<S> {
  assert.equal(reply.status, status, `expected HTTP ${status}, got ${JSON.stringify(reply.body)}`);
  const mediaType = reply.headers.get('content-type')?.split(';')[0];
  assert.equal(mediaType, status >= 400 ? 'application/problem+json' : 'application/json');
  const parsed = schema.safeParse(reply.body);
  assert.ok(
    parsed.success,
    `HTTP ${status} body does not match its schema: ${JSON.stringify(parsed.error?.issues)}\n` +
      JSON.stringify(reply.body),
  );
  return parsed.data;
}

/** A problem's status and code, checked after its schema. */
function expectProblem<S extends z.ZodType<{ status: number; code: string }>>(
  reply: Reply,
  status: number,
  schema: S,
  code: string,
): z.output<S> {
  const problem = expect(reply, status, schema);
  assert.equal(problem.status, status);
  assert.equal(problem.code, code);
  return problem;
}

// A failed step is reported and the journey goes on, so one broken
// response does not hide the others.
let steps = 0;
let failures = 0;
async function step(name: string, run: () => Promise<void>): Promise<void> {
  steps += 1;
  try {
    await run();
    console.log(`ok ${steps} - ${name}`);
  } catch (error) {
    failures += 1;
    console.log(`not ok ${steps} - ${name}\n${String(error)}`);
  }
}

const email = `journey-${Date.now()}-${Math.random().toString(16).slice(2)}@example.com`;
const password = 'correct horse battery staple';
let userId = '';
const tasks = () => `/api/${userId}/tasks`;

await step('sign up (201 AuthSession)', async () => {
  const body = { email, password, name: 'Journey' };
  assert.ok(api.SignUpBody.safeParse(body).success, 'the request passes its own schema');
  const session = expect(await send('POST', '/api/auth/signup', { body }), 201, api.SignUp201Response);
  assert.equal(session.user.email, email);
  userId = session.user.id;
});

await step('log in (200 AuthSession)', async () => {
  const reply = await send('POST', '/api/auth/login', { body: { email, password } });
  const session = expect(reply, 200, api.LogIn200Response);
  assert.equal(session.user.id, userId);
  token = session.access_token;
});

let taskId = '';
await step('create a task (201 Task)', async () => {
  const body = { title: 'Plan the trip', priority: 'high', tags: ['Travel'], recurrence: 'weekly' };
  assert.ok(api.CreateTaskBody.safeParse(body).success, 'the request passes its own schema');
  const reply = await send('POST', tasks(), { body });
  const task = expect(reply, 201, api.CreateTask201Response);
  assert.equal(reply.headers.get('location'), `${tasks()}/${task.id}`);
  assert.deepEqual(task.tags, ['travel']);
  taskId = task.id;
});

await step('list tasks (200 TaskPage)', async () => {
  const reply = await send('GET', `${tasks()}?sort=priority&order=desc&limit=10`);
  const page = expect(reply, 200, api.ListTasks200Response);
  assert.deepEqual(page.items.map((task) => task.id), [taskId]);
  assert.equal(page.total, 1);
});

let etag = '';
await step('get a task (200 Task with an ETag)', async () => {
  const reply = await send('GET', `${tasks()}/${taskId}`);
  const task = expect(reply, 200, api.GetTask200Response);
  assert.equal(task.id, taskId);
  etag = reply.headers.get('etag') ?? '';
  assert.ok(etag, 'a single task carries an ETag');
});

await step('update with If-Match (200 Task)', async () => {
  const body = { priority: 'urgent', due_date: '2031-03-01T09:00:00Z' };
  assert.ok(api.UpdateTaskBody.safeParse(body).success, 'the request passes its own schema');
  const reply = await send('PATCH', `${tasks()}/${taskId}`, { body, headers: { 'if-match': etag } });
  const task = expect(reply, 200, api.UpdateTask200Response);
  assert.equal(task.priority, 'urgent');
  assert.notEqual(reply.headers.get('etag'), etag, 'a change makes a new ETag');
});

await step('a stale If-Match (412 problem)', async () => {
  const reply = await send('PATCH', `${tasks()}/${taskId}`, {
    body: { title: 'Lost update' },
    headers: { 'if-match': etag },
  });
  expectProblem(reply, 412, api.UpdateTask412Response, 'precondition_failed');
});

await step('complete a task (200 Task)', async () => {
  const body = { completed: true };
  assert.ok(api.SetTaskCompletionBody.safeParse(body).success);
  const reply = await send('PATCH', `${tasks()}/${taskId}/complete`, { body });
  const task = expect(reply, 200, api.SetTaskCompletion200Response);
  assert.equal(task.completed, true);
  assert.ok(task.completed_at);
  assert.ok(task.next_task_id, 'a weekly task makes its next occurrence');
});

await step('a create with several bad fields (422 problem)', async () => {
  const body = { title: '', description: 5, priority: 'huge' };
  assert.equal(api.CreateTaskBody.safeParse(body).success, false, 'the client schema refuses it too');
  const reply = await send('POST', tasks(), { body });
  const problem = expectProblem(reply, 422, api.CreateTask422Response, 'validation_failed');
  // Every invalid field at once, each located by a JSON pointer.
  const fields = (problem.errors ?? []).map((error) => error.field).sort();
  assert.deepEqual(fields, ['/description', '/priority', '/title']);
});

await step('delete a task (204), then get it (404 problem)', async () => {
  const deleted = await send('DELETE', `${tasks()}/${taskId}`);
  assert.equal(deleted.status, 204);
  assert.equal(deleted.body, undefined);
  const reply = await send('GET', `${tasks()}/${taskId}`);
  expectProblem(reply, 404, api.GetTask404Response, 'task_not_found');
});

await step('wrong passwords until rate limited (401, then 429 with Retry-After)', async () => {
  token = undefined;
  const body = { email, password: 'not the password' };
  for (let attempt = 0; attempt < failuresPerEmail; attempt += 1) {
    const reply = await send('POST', '/api/auth/login', { body });
    expectProblem(reply, 401, api.LogIn401Response, 'invalid_credentials');
  }
  const reply = await send('POST', '/api/auth/login', { body: { email, password } });
  expectProblem(reply, 429, api.LogIn429Response, 'rate_limited');
  const retryAfter = reply.headers.get('retry-after') ?? '';
  assert.match(retryAfter, /^[0-9]+$/, 'Retry-After is a whole number of seconds');
});

console.log(`${steps - failures} passed, ${failures} failed`);
if (failures > 0) process.exitCode = 1;
