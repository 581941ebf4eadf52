// Exercise a GoTrue (or GoTrue-compatible) server with GoTrue's official JS client,
// @supabase/auth-js (pinned in package.json).
//
//   GOTRUE_URL=http://127.0.0.1:9999 GOTRUE_ANON_KEY=... GOTRUE_SERVICE_ROLE_KEY=... node check.mjs
//
// The server is expected to be set up like tests/real-gotrue.sh sets up GoTrue: mail
// auto-confirm on, no SMTP (mail is dropped), phone provider on with the test OTP
// 15555550100 -> 123456, per-user mail/SMS frequency 1s, high rate limits.
// Emails are unique per run, so the script can run again against the same server.
// Prints `ok <step>` or `FAIL <step>: <error>` per step and `N passed, M failed` at the end;
// exits 1 when a step failed.

import { GoTrueClient, GoTrueAdminApi } from '@supabase/auth-js'

const URL_ = process.env.GOTRUE_URL
const ANON = process.env.GOTRUE_ANON_KEY
const SERVICE = process.env.GOTRUE_SERVICE_ROLE_KEY
if (!URL_ || !ANON || !SERVICE) {
  console.error('set GOTRUE_URL, GOTRUE_ANON_KEY and GOTRUE_SERVICE_ROLE_KEY')
  process.exit(2)
}

const TEST_PHONE = process.env.GOTRUE_TEST_PHONE || '15555550100'
const TEST_OTP = process.env.GOTRUE_TEST_OTP || '123456'
const PASSWORD = 'Correct-Horse-42-battery'
const RUN = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`
const email = (tag) => `authjs-${tag}-${RUN}@example.com`

let clientCount = 0
function newClient() {
  // Like supabase-js: the anon key as apikey and as the default bearer token.
  return new GoTrueClient({
    url: URL_,
    headers: { apikey: ANON, Authorization: `Bearer ${ANON}` },
    persistSession: false,
    autoRefreshToken: false,
    detectSessionInUrl: false,
    storageKey: `authjs-check-${clientCount++}`,
  })
}
const admin = new GoTrueAdminApi({
  url: URL_,
  headers: { apikey: SERVICE, Authorization: `Bearer ${SERVICE}` },
})

// ------------------------------------------------------------------ step runner
let passed = 0
let failed = 0
const state = {}

class Check extends Error {}
function assert(cond, msg) {
  if (!cond) throw new Check(msg)
}
function describe(err) {
  if (!err) return 'unknown error'
  if (err instanceof Check) return err.message
  const bits = [err.name || 'Error']
  if (err.status !== undefined) bits.push(`status=${err.status}`)
  if (err.code !== undefined) bits.push(`code=${err.code}`)
  return `${bits.join(' ')}: ${err.message}`
}
// A step that builds on an earlier one's result.
function need(value, stepName) {
  if (!value) throw new Check(`skipped: needs a passing "${stepName}"`)
  return value
}
// Unwrap an auth-js `{data, error}` result: throw its error, return its data.
function must(result, what) {
  if (result.error) throw new Check(`${what}: ${describe(result.error)}`)
  return result.data
}

async function step(name, fn) {
  try {
    const note = await fn()
    passed++
    console.log(note ? `ok ${name} (${note})` : `ok ${name}`)
  } catch (err) {
    failed++
    console.log(`FAIL ${name}: ${describe(err).replace(/\s+/g, ' ')}`)
  }
}

// GoTrue refuses a second mail (or SMS) to the same user within its max frequency
// (1s in the test setup): wait before each mail-sending call to the same address.
const lastSend = new Map()
async function pace(key, ms = 1100) {
  const last = lastSend.get(key)
  if (last !== undefined) {
    const wait = last + ms - Date.now()
    if (wait > 0) await new Promise((r) => setTimeout(r, wait))
  }
  lastSend.set(key, Date.now())
}

const isFuture = (ts) => !!ts && new Date(ts).getTime() > Date.now()

// ------------------------------------------------------------------ user flows
const alice = newClient()
const aliceEmail = email('alice')

await step('signUp', async () => {
  const data = must(
    await alice.signUp({
      email: aliceEmail,
      password: PASSWORD,
      options: { data: { full_name: 'Alice Check', team: 'red' } },
    }),
    'signUp',
  )
  assert(data.user, 'no user returned')
  assert(data.user.email === aliceEmail, `user.email is ${data.user.email}`)
  assert(data.user.user_metadata?.full_name === 'Alice Check', 'user_metadata.full_name missing')
  // Mail auto-confirm is on: the sign-up signs the user in.
  assert(data.session?.access_token, 'no session (is mail auto-confirm on?)')
  state.aliceId = data.user.id
})

await step('signInWithPassword', async () => {
  const data = must(await alice.signInWithPassword({ email: aliceEmail, password: PASSWORD }), 'signIn')
  assert(data.session?.access_token && data.session.refresh_token, 'no session')
  assert(data.session.token_type === 'bearer', `token_type is ${data.session.token_type}`)
  assert(data.user.id === state.aliceId, 'signed in as another user')
  state.aliceSession = data.session
})

await step('signInWithPassword (wrong password)', async () => {
  const c = newClient()
  const { data, error } = await c.signInWithPassword({ email: aliceEmail, password: 'Wrong-password-1' })
  assert(error, 'a wrong password was accepted')
  assert(!data.session, 'a session came back with the error')
  assert(error.status === 400, `status ${error.status}, expected 400`)
  assert(error.code === 'invalid_credentials', `code ${error.code}, expected invalid_credentials`)
  return `${error.status} ${error.code}`
})

await step('getUser', async () => {
  const data = must(await alice.getUser(), 'getUser')
  assert(data.user.id === state.aliceId, 'another user')
  assert(data.user.email === aliceEmail, `email ${data.user.email}`)
  assert(data.user.aud === 'authenticated', `aud ${data.user.aud}`)
  assert(Array.isArray(data.user.identities) && data.user.identities.length === 1, 'expected one identity')
  assert(data.user.identities[0].provider === 'email', `identity provider ${data.user.identities[0].provider}`)
})

await step('updateUser (data)', async () => {
  const data = must(await alice.updateUser({ data: { team: 'blue', plan: 'pro' } }), 'updateUser')
  const md = data.user.user_metadata
  assert(md.team === 'blue' && md.plan === 'pro', `user_metadata ${JSON.stringify(md)}`)
  assert(md.full_name === 'Alice Check', 'user_metadata was replaced, not merged')
})

await step('updateUser (weak password)', async () => {
  const { error } = await alice.updateUser({ password: '123' })
  assert(error, 'a 3-character password was accepted')
  assert(error.status === 422, `status ${error.status}, expected 422`)
  assert(error.code === 'weak_password', `code ${error.code}, expected weak_password`)
  assert(Array.isArray(error.reasons) && error.reasons.includes('length'), `reasons ${JSON.stringify(error.reasons)}`)
  return `reasons ${JSON.stringify(error.reasons)}`
})

await step('refreshSession', async () => {
  const before = need((await alice.getSession()).data.session, 'signInWithPassword')
  const data = must(await alice.refreshSession(), 'refreshSession')
  assert(data.session?.access_token, 'no session')
  assert(data.session.refresh_token !== before.refresh_token, 'refresh token was not rotated')
  assert(data.user.id === state.aliceId, 'another user')
  state.spentRefreshToken = before.refresh_token
})

await step('refreshSession (spent token)', async () => {
  // GoTrue allows reuse of the previous token for a short interval (10s by default),
  // answering with the current session; past it the whole session is revoked. Only
  // check that the call answers something coherent.
  need(state.spentRefreshToken, 'refreshSession')
  const c = newClient()
  const { data, error } = await c.refreshSession({ refresh_token: state.spentRefreshToken })
  assert(error || data.session?.access_token, 'neither a session nor an error')
  if (error) assert(error.status >= 400 && error.status < 500 && error.code, `unexpected error ${describe(error)}`)
  return error ? `${error.status} ${error.code}` : 'reuse interval: session returned'
})

await step('signInWithOtp (email)', async () => {
  await pace(aliceEmail)
  const data = must(await newClient().signInWithOtp({ email: aliceEmail }), 'signInWithOtp')
  assert(data.session === null && data.user === null, 'expected no session before verification')
})

await step('verifyOtp (email_otp from generateLink magiclink)', async () => {
  await pace(aliceEmail)
  const link = must(await admin.generateLink({ type: 'magiclink', email: aliceEmail }), 'generateLink')
  assert(link.properties?.email_otp, 'generateLink gave no email_otp')
  const c = newClient()
  const data = must(
    await c.verifyOtp({ email: aliceEmail, token: link.properties.email_otp, type: 'email' }),
    'verifyOtp',
  )
  assert(data.session?.access_token, 'no session')
  assert(data.user.id === state.aliceId, 'another user')
})

await step('verifyOtp (token_hash from generateLink magiclink)', async () => {
  await pace(aliceEmail)
  const link = must(await admin.generateLink({ type: 'magiclink', email: aliceEmail }), 'generateLink')
  assert(link.properties?.hashed_token, 'generateLink gave no hashed_token')
  const data = must(
    await newClient().verifyOtp({ token_hash: link.properties.hashed_token, type: 'magiclink' }),
    'verifyOtp',
  )
  assert(data.session?.access_token, 'no session')
  assert(data.user.id === state.aliceId, 'another user')
})

await step('verifyOtp (wrong token)', async () => {
  const { data, error } = await newClient().verifyOtp({ email: aliceEmail, token: '000000', type: 'email' })
  assert(error, 'a wrong OTP was accepted')
  assert(!data.session, 'a session came back with the error')
  assert(error.status === 403, `status ${error.status}, expected 403`)
  assert(error.code === 'otp_expired', `code ${error.code}, expected otp_expired`)
  return `${error.status} ${error.code}`
})

const phoneClient = newClient()
await step('signInWithOtp (phone)', async () => {
  await pace(`phone:${TEST_PHONE}`)
  must(await phoneClient.signInWithOtp({ phone: TEST_PHONE }), 'signInWithOtp')
  state.phoneOtpSent = true
})

await step('verifyOtp (sms)', async () => {
  need(state.phoneOtpSent, 'signInWithOtp (phone)')
  const data = must(await phoneClient.verifyOtp({ phone: TEST_PHONE, token: TEST_OTP, type: 'sms' }), 'verifyOtp')
  assert(data.session?.access_token, 'no session')
  assert(data.user.phone === TEST_PHONE.replace(/^\+/, ''), `user.phone ${data.user.phone}`)
  assert(data.user.phone_confirmed_at, 'phone not confirmed')
})

await step('resetPasswordForEmail', async () => {
  await pace(aliceEmail)
  must(await newClient().resetPasswordForEmail(aliceEmail), 'resetPasswordForEmail')
})

await step('resetPasswordForEmail (unknown email)', async () => {
  // No user enumeration: an unknown address is answered like a known one.
  must(await newClient().resetPasswordForEmail(email('nobody')), 'resetPasswordForEmail')
})

await step('resend (signup, unconfirmed user)', async () => {
  const e = email('unconfirmed')
  const created = must(
    await admin.createUser({ email: e, password: PASSWORD, email_confirm: false }),
    'createUser',
  )
  assert(!created.user.email_confirmed_at, 'user is confirmed already')
  const { error } = await newClient().signInWithPassword({ email: e, password: PASSWORD })
  assert(error, 'an unconfirmed user signed in')
  assert(error.code === 'email_not_confirmed', `code ${error.code}, expected email_not_confirmed`)
  await pace(e)
  must(await newClient().resend({ type: 'signup', email: e }), 'resend')
  state.unconfirmedId = created.user.id
})

await step('signOut', async () => {
  const token = need((await alice.getSession()).data.session?.access_token, 'signInWithPassword')
  must(await alice.signOut(), 'signOut')
  assert(!(await alice.getSession()).data.session, 'client still holds a session')
  const { error } = await alice.getUser(token)
  assert(error, 'the signed-out access token still works on /user')
  return `then GET /user: ${error.status} ${error.code}`
})

// ------------------------------------------------------------------ admin
await step('admin.createUser', async () => {
  const e = email('bob')
  const data = must(
    await admin.createUser({
      email: e,
      password: PASSWORD,
      email_confirm: true,
      user_metadata: { full_name: 'Bob Check', a: 1 },
      app_metadata: { tier: 'gold' },
    }),
    'createUser',
  )
  assert(data.user.email === e, `email ${data.user.email}`)
  assert(data.user.email_confirmed_at, 'email_confirm true but not confirmed')
  assert(data.user.user_metadata?.a === 1, 'user_metadata lost')
  assert(data.user.app_metadata?.tier === 'gold', 'app_metadata lost')
  assert(data.user.app_metadata?.provider === 'email', `app_metadata.provider ${data.user.app_metadata?.provider}`)
  state.bob = { id: data.user.id, email: e }
})

await step('admin.createUser (duplicate email)', async () => {
  need(state.bob, 'admin.createUser')
  const { error } = await admin.createUser({ email: state.bob.email, password: PASSWORD })
  assert(error, 'duplicate email accepted')
  assert(error.status === 422, `status ${error.status}, expected 422`)
  assert(error.code === 'email_exists', `code ${error.code}, expected email_exists`)
  return `${error.status} ${error.code}`
})

await step('admin.getUserById', async () => {
  need(state.bob, 'admin.createUser')
  const data = must(await admin.getUserById(state.bob.id), 'getUserById')
  assert(data.user.id === state.bob.id && data.user.email === state.bob.email, 'another user')
  assert(data.user.identities?.length === 1, 'expected one identity')
})

await step('admin.getUserById (unknown id)', async () => {
  const { error } = await admin.getUserById('00000000-0000-4000-8000-000000000000')
  assert(error, 'an unknown id was found')
  assert(error.status === 404, `status ${error.status}, expected 404`)
  assert(error.code === 'user_not_found', `code ${error.code}, expected user_not_found`)
  return `${error.status} ${error.code}`
})

await step('admin.listUsers', async () => {
  const p1 = must(await admin.listUsers({ page: 1, perPage: 1 }), 'listUsers page 1')
  assert(Array.isArray(p1.users) && p1.users.length === 1, `page 1 has ${p1.users?.length} users`)
  assert(Number.isInteger(p1.total) && p1.total >= 3, `total ${p1.total}`)
  assert(p1.nextPage === 2, `nextPage ${p1.nextPage}`)
  // auth-js reads only the first digit of each page number in the Link header.
  assert(Number.isInteger(p1.lastPage) && p1.lastPage >= 1, `lastPage ${p1.lastPage}`)
  const p2 = must(await admin.listUsers({ page: 2, perPage: 1 }), 'listUsers page 2')
  assert(p2.users.length === 1, `page 2 has ${p2.users.length} users`)
  assert(p2.users[0].id !== p1.users[0].id, 'page 2 repeats page 1')
  assert(p2.total === p1.total, `total changed from ${p1.total} to ${p2.total}`)
  const t1 = new Date(p1.users[0].created_at).getTime()
  const t2 = new Date(p2.users[0].created_at).getTime()
  assert(t1 >= t2, 'not newest first')
  return `total ${p1.total}, nextPage ${p1.nextPage}, lastPage ${p1.lastPage}`
})

await step('admin.updateUserById (user_metadata merge, ban)', async () => {
  need(state.bob, 'admin.createUser')
  const data = must(
    await admin.updateUserById(state.bob.id, {
      ban_duration: '24h',
      user_metadata: { b: 2, a: null },
    }),
    'updateUserById',
  )
  const md = data.user.user_metadata
  assert(md.b === 2 && md.full_name === 'Bob Check', `user_metadata ${JSON.stringify(md)}`)
  assert(!('a' in md), `a key set to null was kept: ${JSON.stringify(md)}`)
  assert(isFuture(data.user.banned_until), `banned_until ${data.user.banned_until}`)
  const { error } = await newClient().signInWithPassword({ email: state.bob.email, password: PASSWORD })
  assert(error, 'a banned user signed in')
  assert(error.code === 'user_banned', `code ${error.code}, expected user_banned`)
  return `banned user sign-in: ${error.status} ${error.code}`
})

await step('admin.updateUserById (unban)', async () => {
  need(state.bob, 'admin.createUser')
  const data = must(await admin.updateUserById(state.bob.id, { ban_duration: 'none' }), 'updateUserById')
  assert(!isFuture(data.user.banned_until), `still banned until ${data.user.banned_until}`)
  must(await newClient().signInWithPassword({ email: state.bob.email, password: PASSWORD }), 'sign-in after unban')
})

for (const type of ['signup', 'invite', 'magiclink', 'recovery', 'email_change_current', 'email_change_new']) {
  await step(`admin.generateLink (${type})`, async () => {
    let params
    if (type === 'magiclink' || type.startsWith('email_change') || type === 'recovery') need(state.bob, 'admin.createUser')
    if (type === 'signup') params = { type, email: email('gl-signup'), password: PASSWORD }
    else if (type === 'invite') params = { type, email: email('gl-invite') }
    else if (type === 'magiclink' || type === 'recovery') params = { type, email: state.bob.email }
    else params = { type, email: state.bob.email, newEmail: email(`gl-${type.replace(/_/g, '-')}`) }
    await pace(params.email)
    const data = must(await admin.generateLink(params), 'generateLink')
    const p = data.properties
    assert(p && typeof p.action_link === 'string' && p.action_link.includes('/verify'), `action_link ${p?.action_link}`)
    assert(typeof p.email_otp === 'string' && p.email_otp.length > 0, 'no email_otp')
    assert(typeof p.hashed_token === 'string' && p.hashed_token.length > 0, 'no hashed_token')
    assert(typeof p.verification_type === 'string' && p.verification_type, 'no verification_type')
    assert(data.user?.id, 'no user')
    assert(data.user.email === params.email, `user.email ${data.user.email}`)
    if (type.startsWith('email_change')) assert(data.user.new_email === params.newEmail, `new_email ${data.user.new_email}`)
    return `verification_type ${p.verification_type}`
  })
}

await step('admin.mfa.listFactors (after TOTP enrol)', async () => {
  need(state.bob, 'admin.createUser')
  const c = newClient()
  must(await c.signInWithPassword({ email: state.bob.email, password: PASSWORD }), 'signIn')
  const enrolled = must(await c.mfa.enroll({ factorType: 'totp', friendlyName: `check-${RUN}` }), 'mfa.enroll')
  assert(enrolled.id && enrolled.totp?.secret, 'enroll returned no factor id or secret')
  const data = must(await admin.mfa.listFactors({ userId: state.bob.id }), 'listFactors')
  assert(Array.isArray(data.factors), `factors is ${JSON.stringify(data.factors)}`)
  const f = data.factors.find((x) => x.id === enrolled.id)
  assert(f, 'the enrolled factor is not listed')
  assert(f.factor_type === 'totp' && f.status === 'unverified', `factor ${JSON.stringify(f)}`)
  state.factorId = enrolled.id
})

await step('admin.mfa.deleteFactor', async () => {
  need(state.factorId, 'admin.mfa.listFactors (after TOTP enrol)')
  must(await admin.mfa.deleteFactor({ userId: state.bob.id, id: state.factorId }), 'deleteFactor')
  const data = must(await admin.mfa.listFactors({ userId: state.bob.id }), 'listFactors')
  assert(!(data.factors || []).some((x) => x.id === state.factorId), 'factor still listed')
})

await step('admin.inviteUserByEmail', async () => {
  const e = email('invitee')
  await pace(e)
  const data = must(await admin.inviteUserByEmail(e, { data: { invited_by: 'check' } }), 'inviteUserByEmail')
  assert(data.user.email === e, `email ${data.user.email}`)
  assert(data.user.invited_at, 'invited_at not set')
  assert(data.user.user_metadata?.invited_by === 'check', 'data not stored as user_metadata')
  state.inviteeId = data.user.id
})

await step('inviteUserByEmail (non-admin token)', async () => {
  const userAdmin = new GoTrueAdminApi({
    url: URL_,
    headers: { apikey: ANON, Authorization: `Bearer ${ANON}` },
  })
  const { error } = await userAdmin.inviteUserByEmail(email('not-invited'))
  assert(error, 'the anon key could invite')
  assert(error.status === 403, `status ${error.status}, expected 403`)
  return `${error.status} ${error.code}`
})

await step('admin.deleteUser (hard)', async () => {
  need(state.unconfirmedId, 'resend (signup, unconfirmed user)')
  must(await admin.deleteUser(state.unconfirmedId), 'deleteUser')
  const { error } = await admin.getUserById(state.unconfirmedId)
  assert(error && error.status === 404, `after a hard delete getUserById gave ${error ? error.status : 'the user'}`)
})

await step('admin.deleteUser (soft)', async () => {
  need(state.inviteeId, 'admin.inviteUserByEmail')
  must(await admin.deleteUser(state.inviteeId, true), 'deleteUser')
  const { data, error } = await admin.getUserById(state.inviteeId)
  // Only report what the server does with a soft-deleted user here.
  if (error) return `then getUserById: ${error.status} ${error.code}`
  return `then getUserById: user, deleted_at ${data.user.deleted_at ? 'set' : 'unset'}, email ${JSON.stringify(data.user.email)}`
})

console.log(`${passed} passed, ${failed} failed`)
process.exit(failed === 0 ? 0 : 1)
