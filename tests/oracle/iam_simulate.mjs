// The independent evaluator the corpus is checked against: @cloud-copilot/iam-simulate (package.json).
// Reads a JSON array of cases on stdin, writes a JSON array of answers on stdout, one per case:
// {"result": "Allowed" | "ExplicitlyDenied" | "ImplicitlyDenied"} or {"error": "..."}.
import { runSimulation } from '@cloud-copilot/iam-simulate'

const ACCOUNT = '111122223333'
const PRINCIPAL = `arn:aws:sts::${ACCOUNT}:assumed-role/web/i-0abc`

// A KMS key is only usable when its key policy says so. The default key policy (AWS KMS Developer
// Guide, "Default key policy") gives the account's IAM policies the say: the profile's policies decide.
const DEFAULT_KEY_POLICY = {
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 'kms:*', Resource: '*' }],
}

const chunks = []
for await (const chunk of process.stdin) chunks.push(chunk)
const cases = JSON.parse(Buffer.concat(chunks).toString('utf8'))
const answers = []
for (const c of cases) {
  const simulation = {
    request: {
      principal: PRINCIPAL,
      action: c.action,
      resource: { resource: c.resource, accountId: ACCOUNT },
      contextVariables: c.context,
    },
    identityPolicies: c.identity.map((policy, i) => ({ name: `identity${i}`, policy })),
    permissionBoundaryPolicies: c.boundary ? [{ name: 'boundary', policy: c.boundary }] : undefined,
    resourcePolicy: c.action.toLowerCase().startsWith('kms:') ? DEFAULT_KEY_POLICY : undefined,
    serviceControlPolicies: [],
    resourceControlPolicies: [],
  }
  try {
    const run = await runSimulation(simulation, {})
    if (run.resultType === 'error') {
      answers.push({ error: run.errors.message ?? JSON.stringify(run.errors) })
    } else {
      const ignored = run.resultType === 'single' ? run.result.ignoredContextKeys ?? [] : []
      answers.push({ result: run.overallResult, ignored })
    }
  } catch (error) {
    answers.push({ error: String(error) })
  }
}
process.stdout.write(JSON.stringify(answers))
