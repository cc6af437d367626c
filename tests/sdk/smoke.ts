// The TypeScript types `make sdk` generates (build/ts/rapport.d.ts), unedited, with openapi-fetch
// as the runtime, drive a real server through a seeker's first interview: sign up, log in with the
// password grant, an organisation and a person, an interview with an agenda from the built-in bank,
// scheduled and completed, its thank-you follow-up; people paged with a cursor; a 412 and a 422
// read as problems. tests/sdk/test_typescript_client.py compiles it with `tsc --strict` (a typo in
// a path, a field or a sort key fails there) and runs it on Node against RAPPORT_BASE_URL; it is
// the example docs/clients.md shows.
import assert from "node:assert/strict";
import createClient from "openapi-fetch";
import type { components, paths } from "../../build/ts/rapport";

// openapi-fetch checks that a body has the required fields but lets unknown ones through
// (openapi-ts/openapi-typescript#1769): `satisfies` the schema catches a misspelt optional field.
type Schemas = components["schemas"];
type Problem = Schemas["Problem"];

function required(name: string): string {
  const value = process.env[name];
  assert.ok(value, `${name} is not set`);
  return value;
}

const baseUrl = required("RAPPORT_BASE_URL");
const password = required("RAPPORT_PASSWORD");
const email = `sdk-ts-${Date.now()}-${Math.floor(Math.random() * 1e9)}@example.com`;

/** The body of a response with `status`, else a failure showing what came. */
function ok<T>(result: { data?: T; error?: unknown; response: Response }, status: number): T {
  assert.equal(result.response.status, status, JSON.stringify(result.error ?? result.data));
  assert.ok(result.data !== undefined, "no body");
  return result.data;
}

/** The problem of a response with `status`, else a failure showing what came. */
function problem(
  result: { data?: unknown; error?: Problem; response: Response },
  status: number,
): Problem {
  assert.equal(result.response.status, status, JSON.stringify(result.data));
  assert.ok(result.error !== undefined, "no problem");
  assert.equal(result.response.headers.get("content-type"), "application/problem+json");
  return result.error;
}

async function main(): Promise<void> {
  const anonymous = createClient<paths>({ baseUrl });
  const signup = ok(
    await anonymous.POST("/v1/auth/signup", {
      body: { email, name: "Ada Lovelace", password } satisfies Schemas["SignupRequest"],
    }),
    201,
  );
  assert.equal(signup.user.email, email);
  const workspace_id = signup.workspace.id;
  // The password grant is a form, as OAuth2 has it.
  const token = ok(
    await anonymous.POST("/v1/auth/token", {
      body: { grant_type: "password", username: email, password } satisfies Schemas["TokenRequest"],
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
    }),
    200,
  );
  assert.equal(token.token_type, "bearer");

  const client = createClient<paths>({
    baseUrl,
    headers: { Authorization: `Bearer ${token.access_token}` },
  });
  const inWorkspace = { path: { workspace_id } };

  const organisation = ok(
    await client.POST("/v1/workspaces/{workspace_id}/organisations", {
      params: inWorkspace,
      body: { name: "Analytical Engines" } satisfies Schemas["OrganisationCreate"],
    }),
    201,
  );
  // The smallest body: every field with a default is left out. Sent with an Idempotency-Key,
  // then retried with it: one person, the same answer again.
  const createPerson = () =>
    client.POST("/v1/workspaces/{workspace_id}/people", {
      params: { ...inWorkspace, header: { "Idempotency-Key": `smoke-${workspace_id}` } },
      body: {
        given_name: "Grace",
        family_name: "Hopper",
        organisation_id: organisation.id,
      } satisfies Schemas["PersonCreate"],
    });
  const created = await createPerson();
  const person = ok(created, 201);
  assert.equal(person.relationship_stage, "identified");
  assert.equal(person.display_name, "Grace Hopper");
  assert.ok(created.response.headers.get("location")?.endsWith(`/people/${person.id}`));
  assert.equal(created.response.headers.get("idempotent-replayed"), null);
  const retried = await createPerson();
  assert.equal(ok(retried, 201).id, person.id);
  assert.equal(retried.response.headers.get("idempotent-replayed"), "true");

  const bank = ok(await client.GET("/v1/question-banks/builtin"), 200);
  assert.ok(bank.builtin);
  const chosen = bank.questions.slice(0, 3).map((question) => question.id);
  assert.equal(chosen.length, 3);

  const interview = ok(
    await client.POST("/v1/workspaces/{workspace_id}/interviews", {
      params: inWorkspace,
      body: {
        person_id: person.id,
        organisation_id: organisation.id,
      } satisfies Schemas["InterviewCreate"],
    }),
    201,
  );
  assert.equal(interview.status, "planned");
  const anInterview = { path: { workspace_id, interview_id: interview.id } };
  const agenda = ok(
    await client.POST("/v1/workspaces/{workspace_id}/interviews/{interview_id}/agenda/from-bank", {
      params: anInterview,
      body: { question_ids: chosen } satisfies Schemas["AgendaFromBank"],
    }),
    201,
  );
  assert.deepEqual(
    agenda.data.map((item) => item.question_id),
    chosen,
  );

  const scheduledAt = new Date(Date.now() - 2 * 3600_000);
  scheduledAt.setUTCMilliseconds(0);
  const scheduled = ok(
    await client.POST("/v1/workspaces/{workspace_id}/interviews/{interview_id}/schedule", {
      params: anInterview,
      body: {
        scheduled_at: scheduledAt.toISOString(),
        timezone: "Europe/London",
      } satisfies Schemas["InterviewSchedule"],
    }),
    200,
  );
  assert.equal(scheduled.status, "scheduled");
  assert.equal(Date.parse(scheduled.scheduled_at ?? ""), scheduledAt.getTime());
  // `complete` takes an empty body: no field is required.
  const completed = ok(
    await client.POST("/v1/workspaces/{workspace_id}/interviews/{interview_id}/complete", {
      params: anInterview,
    }),
    200,
  );
  assert.equal(completed.status, "completed");
  assert.ok(completed.ended_at);

  const followUps = ok(
    await client.GET("/v1/workspaces/{workspace_id}/follow-ups", {
      params: { ...inWorkspace, query: { interview_id: interview.id } },
    }),
    200,
  );
  assert.equal(followUps.data.length, 1);
  const [thankYou] = followUps.data;
  assert.ok(thankYou);
  assert.equal(thankYou.kind, "thank_you");
  assert.equal(thankYou.person_id, person.id);
  assert.equal(thankYou.status, "open");
  assert.equal(thankYou.title, "Thank Grace Hopper for the conversation");
  assert.equal(Date.parse(thankYou.due_at ?? ""), Date.parse(completed.ended_at) + 48 * 3600_000);

  // Five people in a fresh workspace, two a page: three pages, each person once.
  const made = [person.id];
  for (const given_name of ["Alan", "Barbara", "Edsger", "Frances"]) {
    const other = await client.POST("/v1/workspaces/{workspace_id}/people", {
      params: inWorkspace,
      body: { given_name } satisfies Schemas["PersonCreate"],
    });
    made.push(ok(other, 201).id);
  }
  const seen: string[] = [];
  let cursor: string | undefined;
  let pages = 0;
  for (;;) {
    const page = ok(
      await client.GET("/v1/workspaces/{workspace_id}/people", {
        params: { ...inWorkspace, query: { limit: 2, cursor, sort: "-created_at" } },
      }),
      200,
    );
    pages += 1;
    seen.push(...page.data.map((p) => p.id));
    if (!page.has_more) {
      assert.equal(page.next_cursor, null);
      break;
    }
    assert.ok(page.next_cursor);
    cursor = page.next_cursor;
  }
  assert.equal(pages, 3);
  assert.deepEqual(seen, [...made].reverse());

  // The person as it is now, then a change that makes its ETag stale.
  const aPerson = { path: { workspace_id, person_id: person.id } };
  const current = await client.GET("/v1/workspaces/{workspace_id}/people/{person_id}", {
    params: aPerson,
  });
  const etag = current.response.headers.get("etag");
  assert.ok(etag);
  ok(
    await client.PATCH("/v1/workspaces/{workspace_id}/people/{person_id}", {
      params: { ...aPerson, header: { "if-match": etag } },
      body: { job_title: "Rear admiral" } satisfies Schemas["PersonUpdate"],
    }),
    200,
  );
  const stale = problem(
    await client.PATCH("/v1/workspaces/{workspace_id}/people/{person_id}", {
      params: { ...aPerson, header: { "if-match": etag } },
      body: { job_title: "Commodore" } satisfies Schemas["PersonUpdate"],
    }),
    412,
  );
  assert.equal(stale.code, "precondition_failed");
  assert.equal(stale.status, 412);

  const invalid = problem(
    await client.GET("/v1/workspaces/{workspace_id}/people", {
      params: { ...inWorkspace, query: { limit: 500 } },
    }),
    422,
  );
  assert.equal(invalid.code, "validation_failed");
  assert.deepEqual(
    invalid.errors?.map((e) => [e.parameter, e.code]),
    [["limit", "less_than_equal"]],
  );
  const kept = ok(
    await client.GET("/v1/workspaces/{workspace_id}/people/{person_id}", { params: aPerson }),
    200,
  );
  assert.equal(kept.job_title, "Rear admiral");
  console.log(`ok: ${email} went through the first interview on ${baseUrl}`);
}

await main();
