// End-to-end check of the generated client against a live server: every call
// goes through the generated SDK, every result is narrowed by its type (no
// casts), and every step is asserted.
//
// Usage: TASKS_API_URL=http://127.0.0.1:PORT node build/e2e.js
import assert from 'node:assert/strict';

import { client } from './client/client.gen.js';
import { type Change } from './client/index.js';
import { emptyReplica, live, sync } from './sync.js';
import {
  createTask,
  deleteTask,
  getCurrentUser,
  getTask,
  listTasks,
  logIn,
  replaceTask,
  setTaskCompletion,
  signUp,
  updateTask,
  type Task,
} from './client/index.js';

const baseUrl = process.env.TASKS_API_URL;
if (!baseUrl) {
  throw new Error('set TASKS_API_URL to the server under test, e.g. http://127.0.0.1:8000');
}

let token: string | undefined;
client.setConfig({ baseUrl, auth: () => token });

let steps = 0;
async function step(name: string, run: () => Promise<void>): Promise<void> {
  await run();
  steps += 1;
  console.log(`ok ${steps} - ${name}`);
}

/**
 * The problem a failed call answered with, asserting its status and code.
 * Each operation has its own problem type, whose `code` lists exactly the
 * codes that operation can answer with.
 */
function expectProblem<P extends { status: number; code: string }>(
  result: { error?: P; response: Response },
  status: number,
  code: P['code'],
): P {
  assert.equal(result.response.status, status, `expected HTTP ${status}`);
  assert.equal(
    result.response.headers.get('content-type')?.split(';')[0],
    'application/problem+json',
  );
  const problem = result.error;
  assert.ok(problem, `expected a problem body with HTTP ${status}`);
  assert.equal(problem.status, status);
  assert.equal(problem.code, code);
  return problem;
}

const email = `e2e-${Date.now()}-${Math.random().toString(16).slice(2)}@example.com`;
const password = 'correct horse battery staple';
let userId = '';

await step('sign up', async () => {
  const { data, error, response } = await signUp({
    body: { email: email.toUpperCase(), password, name: 'E2E' },
  });
  assert.equal(response.status, 201);
  assert.equal(error, undefined);
  assert.ok(data);
  assert.equal(data.user.email, email, 'email is lower-cased');
  assert.equal(data.user.name, 'E2E');
  assert.equal(data.token_type, 'bearer');
  assert.ok(data.expires_in > 0);
  userId = data.user.id;
});

await step('log in', async () => {
  const { data, response } = await logIn({ body: { email, password } });
  assert.equal(response.status, 200);
  assert.ok(data);
  assert.equal(data.user.id, userId);
  token = data.access_token;
});

await step('get the current user', async () => {
  const { data } = await getCurrentUser();
  assert.ok(data);
  assert.deepEqual(
    { id: data.id, email: data.email, name: data.name },
    { id: userId, email, name: 'E2E' },
  );
});

const path = () => ({ user_id: userId });
let task: Task | undefined;

await step('create tasks', async () => {
  const { data, response } = await createTask({
    path: path(),
    body: {
      title: '  Write the report  ',
      description: 'Quarterly numbers',
      priority: 'high',
      tags: ['Work', 'work', ' reports '],
      due_date: '2030-01-15T09:00:00Z',
    },
  });
  assert.equal(response.status, 201);
  assert.ok(data);
  assert.equal(response.headers.get('location'), `/api/${userId}/tasks/${data.id}`);
  assert.equal(data.title, 'Write the report');
  assert.equal(data.priority, 'high');
  assert.deepEqual([...data.tags].sort(), ['reports', 'work']);
  assert.equal(data.completed, false);
  assert.equal(data.completed_at, null);
  assert.equal(data.recurrence, null);
  assert.equal(new Date(data.due_date ?? '').toISOString(), '2030-01-15T09:00:00.000Z');
  task = data;

  for (const [title, priority] of [
    ['Buy milk', 'low'],
    ['Call the bank', 'urgent'],
  ] as const) {
    const created = await createTask({ path: path(), body: { title, priority, tags: ['home'] } });
    assert.equal(created.response.status, 201);
  }
});

await step('list with filters, sorting and paging', async () => {
  const all = await listTasks({ path: path() });
  assert.ok(all.data);
  assert.equal(all.data.total, 3);
  assert.equal(all.data.limit, 50);
  assert.equal(all.data.offset, 0);

  const page = await listTasks({
    path: path(),
    query: { status: 'pending', sort: 'title', order: 'asc', limit: 2, offset: 1 },
  });
  assert.ok(page.data);
  assert.equal(page.data.total, 3);
  assert.deepEqual(
    page.data.items.map((t) => t.title),
    ['Call the bank', 'Write the report'],
  );

  const byPriority = await listTasks({
    path: path(),
    query: { sort: 'priority', order: 'desc' },
  });
  assert.ok(byPriority.data);
  assert.deepEqual(
    byPriority.data.items.map((t) => t.priority),
    ['urgent', 'high', 'low'],
  );

  const found = await listTasks({
    path: path(),
    query: { q: 'REPORT', priority: ['high', 'urgent'], tag: ['Work'] },
  });
  assert.ok(found.data);
  assert.deepEqual(
    found.data.items.map((t) => t.id),
    [task?.id],
  );

  const home = await listTasks({ path: path(), query: { tag: ['home'], priority: ['low'] } });
  assert.ok(home.data);
  assert.deepEqual(
    home.data.items.map((t) => t.title),
    ['Buy milk'],
  );

  const completed = await listTasks({ path: path(), query: { status: 'completed' } });
  assert.ok(completed.data);
  assert.equal(completed.data.total, 0);
});

const taskPath = () => {
  assert.ok(task);
  return { user_id: userId, task_id: task.id };
};

await step('get a task', async () => {
  const { data, response } = await getTask({ path: taskPath() });
  assert.equal(response.status, 200);
  assert.ok(data);
  assert.deepEqual(data, task);
});

await step('replace a task', async () => {
  const { data, response } = await replaceTask({
    path: taskPath(),
    body: { title: 'Write the annual report', recurrence: 'weekly' },
  });
  assert.equal(response.status, 200);
  assert.ok(data);
  assert.equal(data.title, 'Write the annual report');
  assert.equal(data.description, '', 'omitted fields return to their defaults');
  assert.equal(data.priority, 'medium');
  assert.deepEqual(data.tags, []);
  assert.equal(data.due_date, null);
  assert.equal(data.recurrence, 'weekly');
  task = data;
});

await step('update a task', async () => {
  const { data, response } = await updateTask({
    path: taskPath(),
    body: { priority: 'urgent', due_date: '2030-02-01T00:00:00Z' },
  });
  assert.equal(response.status, 200);
  assert.ok(data);
  assert.equal(data.priority, 'urgent');
  assert.equal(data.title, 'Write the annual report', 'omitted fields stay');
  assert.equal(data.recurrence, 'weekly');
  assert.ok(data.due_date);

  const cleared = await updateTask({ path: taskPath(), body: { recurrence: null } });
  assert.ok(cleared.data);
  assert.equal(cleared.data.recurrence, null, 'null clears recurrence');
  assert.equal(cleared.data.priority, 'urgent');
  task = cleared.data;
});

await step('complete a task', async () => {
  const set = await setTaskCompletion({ path: taskPath(), body: { completed: true } });
  assert.equal(set.response.status, 200);
  assert.ok(set.data);
  assert.equal(set.data.completed, true);
  assert.ok(set.data.completed_at);

  const again = await setTaskCompletion({ path: taskPath(), body: { completed: true } });
  assert.ok(again.data);
  assert.equal(again.data.completed, true, 'setting is idempotent');

  const toggled = await setTaskCompletion({ path: taskPath() });
  assert.ok(toggled.data);
  assert.equal(toggled.data.completed, false, 'no body toggles');
  assert.equal(toggled.data.completed_at, null);
});

await step('delete a task', async () => {
  const { response } = await deleteTask({ path: taskPath() });
  assert.equal(response.status, 204);

  const gone = await getTask({ path: taskPath() });
  const problem = expectProblem(gone, 404, 'task_not_found');
  assert.equal(gone.data, undefined);
  assert.ok(problem.detail.length > 0);
});

await step('sync the changes, then follow them live', async () => {
  const replica = emptyReplica();
  await sync(userId, replica);
  const { data: list } = await listTasks({ path: path(), query: { limit: 100 } });
  assert.ok(list);
  assert.deepEqual([...replica.tasks.keys()].sort(), list.items.map((t) => t.id).sort());

  const stop = new AbortController();
  const seen: Change[] = [];
  const following = live(baseUrl, userId, () => token, replica, stop.signal, (c) => seen.push(c));
  // The stream is open once the replica's first sync is done and a write
  // made after it arrives.
  let created: string | undefined;
  for (let tries = 0; tries < 50 && !seen.some((c) => c.task?.id === created); tries += 1) {
    if (!created) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      const { data } = await createTask({ path: path(), body: { title: 'Heard live' } });
      created = data?.id;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  stop.abort();
  await following;
  assert.ok(created && replica.tasks.get(created)?.title === 'Heard live', 'heard live');
});

await step('handle a 422 by its typed problem', async () => {
  const result = await createTask({ path: path(), body: { title: '   ' } });
  const problem = expectProblem(result, 422, 'validation_failed');
  assert.ok(problem.errors, 'a validation problem lists its fields');
  assert.ok(
    problem.errors.some((e) => e.field === '/title'),
    `expected an error on title, got ${JSON.stringify(problem.errors)}`,
  );
});

await step('handle a 401 by its typed problem', async () => {
  token = 'not-a-valid-token';
  const result = await listTasks({ path: path() });
  const problem = expectProblem(result, 401, 'invalid_token');
  assert.equal(problem.status, 401);
  assert.match(result.response.headers.get('www-authenticate') ?? '', /^Bearer/);

  const wrong = await logIn({ body: { email, password: 'not the password' } });
  expectProblem(wrong, 401, 'invalid_credentials');
});

console.log(`all ${steps} steps passed`);
