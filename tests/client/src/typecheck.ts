// Compile-time checks that every generator typed what the spec names
// exactly: an enum as its literal union (not `string`, `unknown` or
// `Priority & unknown`), a referenced object as that object, a request body
// as its schema (not `never`), and an error as a problem whose `code` is a
// literal union. `tsc --strict` fails on the first check that does not hold;
// nothing here runs.
import type { Client } from 'openapi-fetch';
import type { z } from 'zod';

import type * as hey from './client/types.gen.js';
import type { components, paths } from './gen/openapi-typescript/schema.js';
import type * as orval from './gen/orval/fetch.js';
import type * as zod from './gen/orval/zod.js';

/** True only when A and B are the same type (`any` equals nothing else). */
type Equals<A, B> =
  (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
/** True when T is a union of string literals, not `string`, `any` or `unknown`. */
type LiteralUnion<T> = Equals<T, any> extends true
  ? false
  : [T] extends [string]
    ? string extends T
      ? false
      : true
    : false;
type Holds<T extends true> = T;

type Priority = 'low' | 'medium' | 'high' | 'urgent';
type Recurrence = 'daily' | 'weekly' | 'monthly' | null;
type Sort = 'created_at' | 'updated_at' | 'title' | 'due_date' | 'priority';

// openapi-typescript (the types openapi-fetch is built on).
type OtSchemas = components['schemas'];
type OtTask = OtSchemas['Task'];
type OtTaskPath = paths['/api/{user_id}/tasks/{task_id}'];
type OtCreate = paths['/api/{user_id}/tasks']['post'];
export type OpenapiTypescriptChecks = [
  Holds<Equals<OtTask['priority'], Priority>>,
  Holds<Equals<OtTask['recurrence'], Recurrence>>,
  Holds<Equals<OtSchemas['AuthSession']['user'], OtSchemas['User']>>,
  Holds<Equals<OtCreate['requestBody']['content']['application/json'], OtSchemas['TaskInput']>>,
  Holds<Equals<OtCreate['responses'][201]['content']['application/json'], OtTask>>,
  Holds<LiteralUnion<OtTaskPath['get']['responses'][404]['content']['application/problem+json']['code']>>,
  Holds<Equals<NonNullable<paths['/api/{user_id}/tasks']['get']['parameters']['query']>['sort'], Sort | undefined>>,
];

// openapi-fetch: what a call through the typed client takes and gives.
export async function openapiFetchChecks(client: Client<paths>): Promise<void> {
  const created = await client.POST('/api/{user_id}/tasks', {
    params: { path: { user_id: 'u' } },
    body: { title: 'A task', priority: 'high', recurrence: null },
  });
  if (created.data) {
    const checks: [Holds<Equals<typeof created.data, OtTask>>] = [true];
    void checks;
  }
  const got = await client.GET('/api/{user_id}/tasks/{task_id}', {
    params: { path: { user_id: 'u', task_id: 't' } },
  });
  if (got.error) {
    const checks: [Holds<LiteralUnion<typeof got.error.code>>] = [true];
    void checks;
  }
}

// orval's fetch client.
type OrvalError<R, S extends number> = Extract<R, { status: S }> extends { data: infer D } ? D : never;
export type OrvalFetchChecks = [
  Holds<Equals<orval.Task['priority'], Priority>>,
  Holds<Equals<orval.Task['recurrence'], Recurrence>>,
  Holds<Equals<orval.AuthSession['user'], orval.User>>,
  Holds<Equals<Parameters<typeof orval.createTask>[1], orval.TaskInput>>,
  Holds<Equals<OrvalError<orval.createTaskResponse, 201>, orval.Task>>,
  Holds<LiteralUnion<OrvalError<orval.getTaskResponse, 404>['code']>>,
  Holds<Equals<orval.ListTasksParams['sort'], Sort | undefined>>,
];

// orval's zod schemas: the types they parse into.
type ZodTask = z.output<typeof zod.GetTask200Response>;
export type OrvalZodChecks = [
  Holds<Equals<ZodTask['priority'], Priority>>,
  Holds<Equals<ZodTask['recurrence'], Recurrence>>,
  Holds<Equals<z.output<typeof zod.LogIn200Response>['user']['id'], string>>,
  Holds<Equals<z.input<typeof zod.CreateTaskBody>['priority'], Priority | undefined>>,
  Holds<Equals<z.output<typeof zod.CreateTask201Response>, ZodTask>>,
  Holds<LiteralUnion<z.output<typeof zod.GetTask404Response>['code']>>,
  // `sort` has a default: it may be left out of the input, and is always set in the output.
  Holds<Equals<z.input<typeof zod.ListTasksQueryParams>['sort'], Sort | undefined>>,
  Holds<Equals<z.output<typeof zod.ListTasksQueryParams>['sort'], Sort>>,
];

// The project's @hey-api/openapi-ts client.
export type HeyApiChecks = [
  Holds<Equals<hey.Task['priority'], Priority>>,
  Holds<Equals<hey.Task['recurrence'], Recurrence>>,
  Holds<Equals<hey.AuthSession['user'], hey.User>>,
  Holds<Equals<hey.CreateTaskData['body'], hey.TaskInput>>,
  Holds<Equals<hey.CreateTaskResponses[201], hey.Task>>,
  Holds<LiteralUnion<hey.GetTaskErrors[404]['code']>>,
  Holds<Equals<NonNullable<hey.ListTasksData['query']>['sort'], Sort | undefined>>,
];
