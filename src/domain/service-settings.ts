// Who runs this installation and how users reach them: read by loadConfig (src/config.ts), shown on the
// accessibility, privacy, contact and feedback pages (src/http/pages/service/).

/** SERVICE_OPERATOR, SUPPORT_EMAIL, ISSUES_URL: who runs this installation and how to reach them. */
export interface ServiceSettings {
  /** The organisation that runs this installation (data controller), e.g. "NHS England". */
  readonly operator: string;
  /** Where users write to; null when the installation has not set one. */
  readonly supportEmail: string | null;
  /** The project's public issue tracker, or null. */
  readonly issuesUrl: string | null;
}

export const DEFAULT_SERVICE_SETTINGS: ServiceSettings = {
  operator: 'the organisation that runs this installation of NHS App Analytics',
  supportEmail: null,
  issuesUrl: null,
};

const EMAIL = /^[^\s@<>"']{1,64}@[a-z0-9.-]{1,190}\.[a-z]{2,}$/i;

/** Reads the service settings; throws one message per bad variable (collected by loadConfig). */
export function serviceSettingsFromEnv(env: NodeJS.ProcessEnv): ServiceSettings {
  const problems: string[] = [];
  const operator = (env.SERVICE_OPERATOR ?? '').trim();
  if (operator.length > 120 || /[<>\0]/.test(operator))
    problems.push('SERVICE_OPERATOR must be an organisation name of at most 120 characters');
  const email = (env.SUPPORT_EMAIL ?? '').trim();
  if (email !== '' && !EMAIL.test(email))
    problems.push(`SUPPORT_EMAIL must be an email address, e.g. "england.nhsapp@nhs.net"`);
  const issues = (env.ISSUES_URL ?? '').trim();
  if (issues !== '') {
    let ok = false;
    try {
      ok = new URL(issues).protocol === 'https:';
    } catch {
      ok = false;
    }
    if (!ok) problems.push('ISSUES_URL must be an https:// address');
  }
  if (problems.length > 0) throw new Error(problems.join('; '));
  return {
    operator: operator || DEFAULT_SERVICE_SETTINGS.operator,
    supportEmail: email || null,
    issuesUrl: issues || null,
  };
}
