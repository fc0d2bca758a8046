// Passkeys (WebAuthn) on the storefront's pages. Runs the ceremonies for
// buttons marked data-passkey="sign-in" | "second-step" | "confirm" |
// "register": asks the server for options, calls navigator.credentials,
// posts the answer back, then loads the page the server names. Where the
// browser has no passkey support the page never shows those buttons (the
// <html> element only gets the "passkeys" class here), and every other form
// works without this script.
(() => {
  'use strict';
  if (!window.PublicKeyCredential || !navigator.credentials) return;
  document.documentElement.classList.add('passkeys');

  const toBuffer = (text) => {
    const base64 = text.replace(/-/g, '+').replace(/_/g, '/');
    const padded = base64 + '==='.slice((base64.length + 3) % 4);
    return Uint8Array.from(atob(padded), (c) => c.charCodeAt(0)).buffer;
  };
  const toText = (buffer) => btoa(String.fromCharCode(...new Uint8Array(buffer)))
    .replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');

  // A server function: form-encoded in, JSON (or a Location header) out.
  const call = async (name, fields = {}) => {
    const response = await fetch(`/api/${name}`, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
      body: new URLSearchParams(fields),
    });
    if (!response.ok) {
      const error = await response.json().catch(() => null);
      throw Object.assign(new Error('refused'), { error });
    }
    return response;
  };

  const options = async (name) => {
    const challenge = await (await call(name)).json();
    return { id: challenge.id, options: JSON.parse(challenge.options) };
  };

  async function register() {
    const name = document.querySelector('[name="passkey_name"]')?.value ?? '';
    const { id, options: creation } = await options('passkey_registration_options');
    const publicKey = creation.publicKey;
    publicKey.challenge = toBuffer(publicKey.challenge);
    publicKey.user.id = toBuffer(publicKey.user.id);
    (publicKey.excludeCredentials ?? []).forEach((c) => { c.id = toBuffer(c.id); });
    const created = await navigator.credentials.create({ publicKey });
    const credential = JSON.stringify({
      id: created.id,
      rawId: toText(created.rawId),
      type: created.type,
      response: {
        attestationObject: toText(created.response.attestationObject),
        clientDataJSON: toText(created.response.clientDataJSON),
        transports: created.response.getTransports?.() ?? [],
      },
      extensions: created.getClientExtensionResults(),
    });
    const added = await call('add_passkey', { challenge_id: id, credential, name });
    window.location.assign(added.headers.get('location') || '/account');
  }

  async function authenticate(start, finish, fields) {
    const { id, options: request } = await options(start);
    const publicKey = request.publicKey;
    publicKey.challenge = toBuffer(publicKey.challenge);
    (publicKey.allowCredentials ?? []).forEach((c) => { c.id = toBuffer(c.id); });
    const asserted = await navigator.credentials.get({ publicKey });
    const credential = JSON.stringify({
      id: asserted.id,
      rawId: toText(asserted.rawId),
      type: asserted.type,
      response: {
        authenticatorData: toText(asserted.response.authenticatorData),
        clientDataJSON: toText(asserted.response.clientDataJSON),
        signature: toText(asserted.response.signature),
        userHandle: asserted.response.userHandle ? toText(asserted.response.userHandle) : null,
      },
      extensions: asserted.getClientExtensionResults(),
    });
    const answered = await call(finish, { challenge_id: id, credential, ...fields });
    window.location.assign(answered.headers.get('location') || '/dashboard');
  }

  const ceremonies = {
    'sign-in': (button) => authenticate('passkey_sign_in_options', 'sign_in_with_passkey', { next: button.dataset.next ?? '' }),
    'second-step': () => authenticate('passkey_second_step_options', 'verify_with_passkey', {}),
    confirm: (button) => authenticate('passkey_confirm_options', 'confirm_with_passkey', { next: button.dataset.next ?? '' }),
    register: () => register(),
  };

  // What the page says when a ceremony fails.
  const explain = (failure) => {
    const error = failure.error;
    if (error === 'ReauthRequired') {
      window.location.assign(`/confirm-password?next=${encodeURIComponent(window.location.pathname)}`);
      return '';
    }
    if (failure.name === 'NotAllowedError') return 'The passkey request was cancelled or timed out. Try again.';
    if (failure.name === 'InvalidStateError') return 'This device already has a passkey for your account.';
    if (error && typeof error === 'object' && error.Invalid) return error.Invalid.message;
    if (error === 'SecondStepExpired') return 'That sign-in waited too long. Sign in again with your password.';
    if (error === 'NoSuchPasskey') return 'No passkey is registered for this account.';
    if (error === 'AddressUnconfirmed') {
      return 'Confirm your e-mail address first: adding a passkey needs it. Use the link we sent you, or send a new one from this page.';
    }
    return 'That passkey did not work. Try again, or use your password.';
  };

  document.addEventListener('click', async (event) => {
    const button = event.target.closest?.('button[data-passkey]');
    const ceremony = button && ceremonies[button.dataset.passkey];
    if (!ceremony) return;
    event.preventDefault();
    const status = document.getElementById(button.getAttribute('aria-describedby'));
    if (status) status.textContent = '';
    button.disabled = true;
    try {
      await ceremony(button);
    } catch (failure) {
      if (status) status.textContent = explain(failure);
    } finally {
      button.disabled = false;
    }
  });
})();
