import { Type } from '@sinclair/typebox'
import { taggedDocs } from '../platform/openapi.ts'

// What the OpenAPI document says of the hosted pages (API.md §14). They answer HTML, not JSON: a form's errors come
// back as the same page with the messages in it, and a form that worked answers 303 to the page to show next.

const Html = (description: string) => Type.String({ description })
const htmlPage = { produces: ['text/html'] }
const seeOther = Type.Null({ description: 'Done: `Location` is the page to show next (or /login/ when a sign-in is needed).' })
const refused = Html('A page saying why: the form did not come from this site (CSRF token or Origin), or the user may not do this.')

function page(summary: string, description: string) {
  return { ...htmlPage, summary, description, response: { 200: Html('The page.'), 303: seeOther } }
}

function action(summary: string, description: string) {
  return {
    ...htmlPage, summary, description,
    response: { 200: Html('The form again, with the errors in it.'), 303: seeOther, 403: refused, 429: Html('The form again, saying when to try again.') },
  }
}

export const pageDocs = taggedDocs('pages', {
  asset: {
    summary: 'The pages\' CSS and script, under hashed names',
    description: 'Cached for a year (`immutable`): a new release links new names.',
    produces: ['text/css', 'text/javascript'],
    response: { 200: Type.String({ description: 'the file' }) },
  },
  login: page('Sign-in page', 'Email and password; `?next=` a same-origin path to return to.'),
  loginPost: action('Sign in', 'Sets the `access` and `refresh` cookies of API.md §3 and answers 303 to `next` (or /account/).'),
  loginMfa: action('Sign in: the second factor', 'A TOTP or recovery code, or a passkey, for the first step\'s mfa_token (API.md §12); 303 to `next`.'),
  logout: action('Sign out of this browser', 'Ends this browser\'s session and deletes its cookies.'),
  resetRequest: page('Forgot password: request page', 'Asks for the email to send a reset link to.'),
  resetRequestPost: action('Forgot password: send the link', 'As POST /api/users/reset_password/: the same answer whether or not the account exists.'),
  resetConfirm: page('Forgot password: choose a new password', 'The page of the mailed link.'),
  resetConfirmPost: action('Forgot password: set the new password', 'As POST /api/users/reset_password_confirm/.'),
  emailResetConfirm: page('Change email: choose the new address', 'The page of the mailed link.'),
  emailResetConfirmPost: action('Change email: set the new address', 'As POST /api/users/reset_email_confirm/; every session ends.'),
  account: page('Account console', 'Profile, password, email, two-factor authentication, passkeys, sessions and account deletion of the signed-in user.'),
  passkeyOptions: {
    summary: 'Account console: options for adding a passkey',
    description: 'JSON for the page\'s passkey script: what POST /api/webauthn/register/options/ answers, for the page\'s session.',
    response: { 200: Type.Object({}, { additionalProperties: true, description: 'PublicKeyCredentialCreationOptionsJSON' }), 303: seeOther, 403: refused },
  },
  loginPasskey: action('Sign in with a passkey', 'Usernameless (the service of POST /api/webauthn/login/verify/); §3\'s cookies, 303 to `next`.'),
  accountPost: action('Account console action', 'One form of the account console; the service of the matching JSON route does the work.'),
  admin: page('Admin console', 'Site admins: users, universities, mail outbox; university admins: their faculty and departments.'),
  adminAudit: page('Admin console: audit log', 'Site admins: the events of API.md §13 with the filters of GET /api/audit/ and a next-page link.'),
  adminWebhooks: page('Admin console: webhooks', 'Site admins: the webhook endpoints of API.md §13, a form to add one, an endpoint\'s recent deliveries.'),
  adminWebhookSecret: {
    ...action('Admin console: create a webhook endpoint, or rotate its secret', 'As POST /api/webhooks/ or /api/webhooks/{id}/rotate-secret/.'),
    response: {
      200: Html('The endpoint\'s page with its secret, shown only in this answer; or the form again, with the errors in it.'),
      303: seeOther, 403: refused, 404: Html('No such endpoint.'),
    },
  },
  adminPost: action('Admin console action', 'One action of the admin console; the service of the matching JSON route does the work.'),
})
