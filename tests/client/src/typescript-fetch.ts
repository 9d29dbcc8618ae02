// The openapi-generator `typescript-fetch` client against a live server,
// configured the way its README shows: a base path and the access token.
// It signs up, then creates, lists and gets a task, each call authenticated
// by the client itself (nothing sets a header by hand).
//
// Usage: TASKS_API_URL=http://127.0.0.1:PORT node build/typescript-fetch.js
import assert from 'node:assert/strict';

import { AuthApi, Configuration, ResponseError, TasksApi } from './gen/typescript-fetch/index.js';

const basePath = process.env.TASKS_API_URL;
if (!basePath) {
  throw new Error('set TASKS_API_URL to the server under test, e.g. http://127.0.0.1:8000');
}

let steps = 0;
async function step(name: string, run: () => Promise<void>): Promise<void> {
  try {
    await run();
  } catch (err) {
    // A ResponseError carries the answer: show its status and problem body.
    if (err instanceof ResponseError) {
      throw new Error(`${name}: HTTP ${err.response.status} ${await err.response.text()}`);
    }
    throw err;
  }
  steps += 1;
  console.log(`ok ${steps} - ${name}`);
}

let token = '';
let userId = '';
await step('sign up (no credentials)', async () => {
  const session = await new AuthApi(new Configuration({ basePath })).signUp({
    signUpRequest: {
      email: `typescript-fetch-${Date.now()}@example.com`,
      password: 'correct horse battery staple',
    },
  });
  token = session.accessToken;
  userId = session.user.id;
  assert.ok(token && userId);
});

const tasks = new TasksApi(new Configuration({ basePath, accessToken: token }));
let taskId = '';
await step('create a task', async () => {
  const task = await tasks.createTask({
    userId,
    taskInput: { title: 'Buy milk', tags: ['errands'] },
  });
  assert.equal(task.title, 'Buy milk');
  taskId = task.id;
});
await step('list tasks', async () => {
  const page = await tasks.listTasks({ userId });
  assert.equal(page.total, 1);
  assert.deepEqual(
    page.items.map((t) => t.id),
    [taskId],
  );
});
await step('get the task', async () => {
  const task = await tasks.getTask({ userId, taskId });
  assert.equal(task.id, taskId);
  assert.deepEqual(task.tags, ['errands']);
});
await step('the current user', async () => {
  const me = await new AuthApi(new Configuration({ basePath, accessToken: token })).getCurrentUser();
  assert.equal(me.id, userId);
});
console.log(`typescript-fetch: ${steps} steps passed`);
