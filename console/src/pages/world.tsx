import type { ComponentChildren } from 'preact'
import { useState } from 'preact/hooks'
import type { Account, Customer, LicenseView, Product, SubscribeResponse, WorldDocument } from '../../../src/admin/admin-client.js'
import { useConsole } from '../console-context.js'
import { formatMoney, fromDateTimeLocal, toDateTimeLocal } from '../format.js'
import { useAction, useLoad } from '../hooks.js'
import type { PageProps } from '../navigation.js'
import { Badge, Card, CopyButton, EmptyState, ErrorNote, Field, formValue, SuccessNote, Time } from '../ui.js'

/**
 * The world meterd checks calls against, edited through the admin API with its validation: a
 * refused change shows the API's message, which names the field. The Entitlement Service's offers,
 * agreements and contracts get their sections here once meterd has them.
 */
export function WorldPage(_props: PageProps) {
  const { admin } = useConsole()
  const world = useLoad(() => admin.exportWorld(), [])
  const data = world.data
  return (
    <>
      <div class="page-head">
        <h1>World</h1>
        <p class="muted">Accounts, products, customers and licenses. Changes apply to every meterd node at once.</p>
      </div>
      <ErrorNote message={world.error} />
      {data && (
        <div class="grid">
          <SubscribeCard world={data} onChange={world.reload} />
          <ProductsCard world={data} onChange={world.reload} />
          <CustomersCard world={data} onChange={world.reload} />
          <LicensesCard world={data} onChange={world.reload} />
          <AccountsCard world={data} onChange={world.reload} />
        </div>
      )}
    </>
  )
}

interface CardProps {
  world: WorldDocument
  onChange: () => void
}

const isoFromLocal = (value: string | undefined, timeZone: string) => {
  const ms = value ? fromDateTimeLocal(value, timeZone) : undefined
  return ms === undefined ? undefined : new Date(ms).toISOString()
}

function SubscribeCard({ world, onChange }: CardProps) {
  const { admin } = useConsole()
  const subscribe = useAction()
  const unsubscribe = useAction()
  const [result, setResult] = useState<SubscribeResponse | undefined>()
  const products = world.products.filter((p) => p.type === 'saas')
  return (
    <Card title="Subscribe a buyer" id="subscribe" wide>
      <p class="muted">
        What AWS Marketplace does when a buyer subscribes: the account becomes a customer, gets a license, and a registration token is
        minted and posted to the product&apos;s fulfillment URL. Your code resolves it with ResolveCustomer.
      </p>
      <div class="two-columns">
        <form
          class="form"
          aria-label="Subscribe"
          onSubmit={(e) => {
            e.preventDefault()
            const form = new FormData(e.currentTarget)
            setResult(undefined)
            void subscribe.run(async () => {
              const answer = await admin.subscribe({
                productCode: formValue(form, 'productCode') ?? '',
                accountId: formValue(form, 'accountId') ?? '',
                freeTrial: form.get('freeTrial') === 'on',
                deliver: form.get('deliver') === 'on',
              })
              setResult(answer)
              onChange()
            })
          }}
        >
          <h3>Subscribe</h3>
          <Field label="Product">
            <select name="productCode" required>
              {products.map((p) => (
                <option key={p.code} value={p.code}>
                  {p.code}
                  {p.fulfillmentUrl ? '' : ' (no fulfillment URL)'}
                </option>
              ))}
            </select>
          </Field>
          <Field label="Buyer AWS account id">
            <input name="accountId" required inputMode="numeric" placeholder="12 digits" spellcheck={false} />
          </Field>
          <label class="check">
            <input type="checkbox" name="freeTrial" /> Free trial (30 days)
          </label>
          <label class="check">
            <input type="checkbox" name="deliver" defaultChecked /> Post the token to the fulfillment URL
          </label>
          <button type="submit" class="button primary" disabled={subscribe.busy}>
            Subscribe
          </button>
          <ErrorNote message={subscribe.error} />
        </form>
        <form
          class="form"
          aria-label="Unsubscribe"
          onSubmit={(e) => {
            e.preventDefault()
            const form = new FormData(e.currentTarget)
            void unsubscribe.run(
              async () => {
                const answer = await admin.unsubscribe({
                  productCode: formValue(form, 'productCode') ?? '',
                  accountId: formValue(form, 'accountId') ?? '',
                })
                onChange()
                return answer
              },
              (answer) => {
                const ended = (answer as { endedLicenses: { licenseArn: string; end: string }[] }).endedLicenses
                return `Ended ${ended.map((l) => l.licenseArn).join(', ')} at ${ended[0]?.end ?? ''}.`
              },
            )
          }}
        >
          <h3>Unsubscribe</h3>
          <p class="muted small">Ends the account&apos;s licenses to the product now; later usage answers CustomerNotSubscribed.</p>
          <Field label="Product">
            <select name="productCode" required>
              {world.products.map((p) => (
                <option key={p.code} value={p.code}>
                  {p.code}
                </option>
              ))}
            </select>
          </Field>
          <Field label="Buyer AWS account id">
            <input name="accountId" required inputMode="numeric" placeholder="12 digits" spellcheck={false} />
          </Field>
          <button type="submit" class="button" disabled={unsubscribe.busy}>
            Unsubscribe
          </button>
          <ErrorNote message={unsubscribe.error} />
          <SuccessNote message={unsubscribe.note} />
        </form>
      </div>
      {result && (
        <div class="result" role="status" data-testid="subscribe-result">
          <h3>
            Subscribed {result.accountId} to {result.productCode}
          </h3>
          <dl class="facts">
            <dt>Customer</dt>
            <dd>
              <code>{result.customerIdentifier}</code>{' '}
              {result.createdCustomer ? <Badge tone="info">new</Badge> : <Badge tone="plain">existing</Badge>}
            </dd>
            <dt>License</dt>
            <dd>
              <code>{result.licenseArn}</code>{' '}
              {result.createdLicense ? <Badge tone="info">new</Badge> : <Badge tone="plain">existing</Badge>}
              {result.offerType && <Badge tone="warn">{result.offerType}</Badge>}
            </dd>
            <dt>Registration token</dt>
            <dd>
              <code data-testid="registration-token" class="token">
                {result.registrationToken}
              </code>{' '}
              <CopyButton text={result.registrationToken} label="Copy the registration token" />
            </dd>
            <dt>Valid until</dt>
            <dd>
              <Time iso={result.tokenExpiresAt} relative={false} />
            </dd>
            <dt>Fulfillment</dt>
            <dd data-testid="fulfillment">
              {result.fulfillment === null
                ? 'not posted (no fulfillment URL, or delivery switched off): resolve the token with ResolveCustomer'
                : result.fulfillment.error
                  ? `posting to ${result.fulfillment.url} failed: ${result.fulfillment.error}`
                  : `posted to ${result.fulfillment.url}: HTTP ${result.fulfillment.status ?? '?'}${result.fulfillment.location ? `, redirected to ${result.fulfillment.location}` : ''}`}
            </dd>
          </dl>
        </div>
      )}
    </Card>
  )
}

/** A create-or-edit form for one item of a collection; the admin API validates and answers. */
function ItemForm(props: {
  label: string
  editing: boolean
  submit: (form: FormData) => Promise<unknown>
  onDone: () => void
  onCancel?: () => void
  children: ComponentChildren
}) {
  const action = useAction()
  return (
    <form
      class="form inline-form"
      aria-label={props.label}
      onSubmit={(e) => {
        e.preventDefault()
        const target = e.currentTarget
        void action
          .run(() => props.submit(new FormData(target)), 'Saved.')
          .then((ok) => {
            if (ok) {
              if (!props.editing) target.reset()
              props.onDone()
            }
          })
      }}
    >
      {props.children}
      <div class="form-buttons">
        <button type="submit" class="button primary" disabled={action.busy}>
          {props.editing ? 'Save' : 'Add'}
        </button>
        {props.onCancel && (
          <button type="button" class="button" onClick={props.onCancel}>
            Cancel
          </button>
        )}
      </div>
      <ErrorNote message={action.error} />
      <SuccessNote message={action.note} />
    </form>
  )
}

function DeleteButton(props: { label: string; remove: () => Promise<unknown>; onDone: () => void }) {
  const action = useAction()
  return (
    <>
      <button
        type="button"
        class="button small danger"
        aria-label={props.label}
        disabled={action.busy}
        onClick={() => {
          if (confirm(`${props.label}?`)) void action.run(props.remove).then((ok) => ok && props.onDone())
        }}
      >
        Delete
      </button>
      <ErrorNote message={action.error} />
    </>
  )
}

function RemoveCredential(props: { accountId: string; accessKeyId: string; onDone: () => void }) {
  const { admin } = useConsole()
  const action = useAction()
  return (
    <>
      <button
        type="button"
        class="button small danger"
        aria-label={`Remove credential ${props.accessKeyId} of account ${props.accountId}`}
        disabled={action.busy}
        onClick={() => {
          if (!confirm(`Remove credential ${props.accessKeyId}? Calls signed with it will be refused.`)) return
          void action
            .run(() =>
              admin.request(
                'DELETE',
                `/accounts/${encodeURIComponent(props.accountId)}/credentials/${encodeURIComponent(props.accessKeyId)}`,
              ),
            )
            .then((ok) => ok && props.onDone())
        }}
      >
        Remove
      </button>
      <ErrorNote message={action.error} />
    </>
  )
}

function ProductsCard({ world, onChange }: CardProps) {
  const { admin } = useConsole()
  const [editing, setEditing] = useState<Product | undefined>()
  const price = useAction()
  return (
    <Card title="Products and dimensions" id="products" wide>
      <div class="table-scroll">
        <table class="table" data-testid="products-table">
          <thead>
            <tr>
              <th scope="col">Code</th>
              <th scope="col">Type</th>
              <th scope="col">Seller</th>
              <th scope="col">Dimensions (price per unit)</th>
              <th scope="col">Fulfillment URL</th>
              <th scope="col">Integration</th>
              <th scope="col">
                <span class="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {world.products.map((p) => (
              <tr key={p.code}>
                <td>
                  <code>{p.code}</code>
                </td>
                <td>{p.type}</td>
                <td>{p.seller}</td>
                <td>{p.dimensions.map((d) => `${d.name}${d.price === undefined ? '' : ` (${formatMoney(d.price)})`}`).join(', ')}</td>
                <td class="wrap">{p.fulfillmentUrl ?? <span class="muted">none</span>}</td>
                <td>{p.integration}</td>
                <td class="actions">
                  <button type="button" class="button small" onClick={() => setEditing(p)} aria-label={`Edit product ${p.code}`}>
                    Edit
                  </button>
                  <DeleteButton label={`Delete product ${p.code}`} remove={() => admin.remove('products', p.code)} onDone={onChange} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <div class="two-columns">
        <ItemForm
          key={editing?.code ?? 'new'}
          label={editing ? `Edit product ${editing.code}` : 'Add a product'}
          editing={editing !== undefined}
          onCancel={editing ? () => setEditing(undefined) : undefined}
          onDone={() => {
            setEditing(undefined)
            onChange()
          }}
          submit={(form) => {
            const body = {
              code: formValue(form, 'code') ?? '',
              type: formValue(form, 'type'),
              seller: formValue(form, 'seller'),
              dimensions: (formValue(form, 'dimensions') ?? '')
                .split(',')
                .map((d) => d.trim())
                .filter(Boolean)
                .map((name) => editing?.dimensions.find((d) => d.name === name) ?? name),
              ...(formValue(form, 'fulfillmentUrl') ? { fulfillmentUrl: formValue(form, 'fulfillmentUrl') } : {}),
              integration: formValue(form, 'integration'),
            }
            return editing ? admin.put('products', editing.code, body) : admin.create('products', body)
          }}
        >
          <h3>{editing ? `Edit ${editing.code}` : 'Add a product'}</h3>
          <Field label="Product code">
            <input name="code" required defaultValue={editing?.code} readOnly={editing !== undefined} spellcheck={false} />
          </Field>
          <Field label="Type">
            <select name="type">
              {(
                [
                  ['saas', 'SaaS'],
                  ['ami', 'AMI'],
                  ['container', 'Container'],
                ] as const
              ).map(([value, label]) => (
                <option key={value} value={value} selected={value === (editing?.type ?? 'saas')}>
                  {label}
                </option>
              ))}
            </select>
          </Field>
          <Field label="Seller account">
            <select name="seller">
              {world.accounts.map((a) => (
                <option key={a.id} value={a.id} selected={a.id === editing?.seller}>
                  {a.id}
                  {a.name ? ` (${a.name})` : ''}
                </option>
              ))}
            </select>
          </Field>
          <Field label="Dimensions" hint="names, separated by commas">
            <input name="dimensions" required defaultValue={editing?.dimensions.map((d) => d.name).join(', ')} spellcheck={false} />
          </Field>
          <Field label="Fulfillment URL" hint="optional: where subscribing posts the registration token">
            <input name="fulfillmentUrl" type="text" defaultValue={editing?.fulfillmentUrl} spellcheck={false} />
          </Field>
          <Field label="Integration">
            <select name="integration">
              <option value="concurrent-agreements">concurrent-agreements</option>
              <option value="legacy" selected={editing?.integration === 'legacy'}>
                legacy (ResolveCustomer returns CustomerIdentifier)
              </option>
            </select>
          </Field>
        </ItemForm>
        <form
          class="form inline-form"
          aria-label="Set a dimension's price"
          onSubmit={(e) => {
            e.preventDefault()
            const form = new FormData(e.currentTarget)
            const [code = '', name = ''] = (formValue(form, 'dimension') ?? '').split('\u0000')
            const text = formValue(form, 'price')
            void price
              .run(
                () =>
                  admin.request(
                    'PUT',
                    `/products/${encodeURIComponent(code)}/dimensions/${encodeURIComponent(name)}`,
                    text === undefined ? {} : { price: Number(text) },
                  ),
                `Price of ${code} · ${name} saved.`,
              )
              .then((ok) => ok && onChange())
          }}
        >
          <h3>Price a dimension</h3>
          <p class="muted small">Usage estimates multiply honoured quantities by this price.</p>
          <Field label="Dimension">
            <select name="dimension">
              {world.products.flatMap((p) =>
                p.dimensions.map((d) => (
                  <option key={`${p.code} ${d.name}`} value={`${p.code}\u0000${d.name}`}>
                    {p.code} · {d.name}
                  </option>
                )),
              )}
            </select>
          </Field>
          <Field label="Price per unit (USD)" hint="empty: unpriced">
            <input name="price" type="number" min="0" step="any" />
          </Field>
          <div class="form-buttons">
            <button type="submit" class="button primary" disabled={price.busy}>
              Set price
            </button>
          </div>
          <ErrorNote message={price.error} />
          <SuccessNote message={price.note} />
        </form>
      </div>
    </Card>
  )
}

function CustomersCard({ world, onChange }: CardProps) {
  const { admin } = useConsole()
  const [editing, setEditing] = useState<Customer | undefined>()
  return (
    <Card title="Customers" id="customers" wide>
      {world.customers.length === 0 ? (
        <EmptyState title="No customers yet.">
          <p>Subscribe a buyer above, or add one here.</p>
        </EmptyState>
      ) : (
        <table class="table" data-testid="customers-table">
          <thead>
            <tr>
              <th scope="col">CustomerIdentifier</th>
              <th scope="col">AWS account</th>
              <th scope="col">
                <span class="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {world.customers.map((c) => (
              <tr key={c.identifier}>
                <td>
                  <code>{c.identifier}</code>
                </td>
                <td>{c.accountId}</td>
                <td class="actions">
                  <button type="button" class="button small" onClick={() => setEditing(c)} aria-label={`Edit customer ${c.identifier}`}>
                    Edit
                  </button>
                  <DeleteButton
                    label={`Delete customer ${c.identifier}`}
                    remove={() => admin.remove('customers', c.identifier)}
                    onDone={onChange}
                  />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <ItemForm
        key={editing?.identifier ?? 'new'}
        label={editing ? `Edit customer ${editing.identifier}` : 'Add a customer'}
        editing={editing !== undefined}
        onCancel={editing ? () => setEditing(undefined) : undefined}
        onDone={() => {
          setEditing(undefined)
          onChange()
        }}
        submit={(form) => {
          const body = { identifier: formValue(form, 'identifier') ?? '', accountId: formValue(form, 'accountId') ?? '' }
          return editing ? admin.put('customers', editing.identifier, body) : admin.create('customers', body)
        }}
      >
        <Field label="CustomerIdentifier">
          <input name="identifier" required defaultValue={editing?.identifier} readOnly={editing !== undefined} spellcheck={false} />
        </Field>
        <Field label="AWS account id">
          <input name="accountId" defaultValue={editing?.accountId} inputMode="numeric" placeholder="12 digits" spellcheck={false} />
        </Field>
      </ItemForm>
    </Card>
  )
}

function LicensesCard({ world, onChange }: CardProps) {
  const { admin, timeZone } = useConsole()
  const end = useAction()
  // A new license starts at meterd's metering "now" by default, which the virtual clock may have moved.
  const clock = useLoad(() => admin.clock(), [])
  return (
    <Card title="Licenses" id="licenses" wide>
      {world.licenses.length === 0 ? (
        <EmptyState title="No licenses yet.">
          <p>Without a license, BatchMeterUsage answers CustomerNotSubscribed. Subscribe a buyer above, or add one here.</p>
        </EmptyState>
      ) : (
        <div class="table-scroll">
          <table class="table" data-testid="licenses-table">
            <thead>
              <tr>
                <th scope="col">License</th>
                <th scope="col">Customer · product</th>
                <th scope="col">From</th>
                <th scope="col">Until</th>
                <th scope="col">Status</th>
                <th scope="col">
                  <span class="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {world.licenses.map((l: LicenseView) => (
                <tr key={`${l.arn} ${l.product}`}>
                  <td class="wrap">
                    <code>{l.arn}</code>
                  </td>
                  <td>
                    {l.customer} · {l.product}
                  </td>
                  <td>
                    <Time iso={l.start} relative={false} />
                  </td>
                  <td>{l.end ? <Time iso={l.end} relative={false} /> : <span class="muted">open</span>}</td>
                  <td>
                    <Badge tone={l.status === 'active' ? 'good' : l.status === 'ended' ? 'plain' : 'warn'}>{l.status}</Badge>
                  </td>
                  <td class="actions">
                    {l.status === 'active' && (
                      <button
                        type="button"
                        class="button small"
                        aria-label={`End license ${l.arn} for ${l.product} now`}
                        onClick={() => void end.run(() => admin.endLicense(l.arn, l.product)).then((ok) => ok && onChange())}
                      >
                        End now
                      </button>
                    )}
                    <DeleteButton
                      label={`Delete license ${l.arn} for ${l.product}`}
                      remove={() => admin.request('DELETE', `/licenses/${encodeURIComponent(l.arn)}/${encodeURIComponent(l.product)}`)}
                      onDone={onChange}
                    />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <ErrorNote message={end.error} />
      <ItemForm
        key={clock.data ? 'metering-now' : 'loading'}
        label="Add a license"
        editing={false}
        onDone={onChange}
        submit={(form) =>
          admin.create('licenses', {
            arn: formValue(form, 'arn') ?? '',
            customer: formValue(form, 'customer') ?? '',
            product: formValue(form, 'product') ?? '',
            start: isoFromLocal(formValue(form, 'start'), timeZone) ?? '',
            ...(formValue(form, 'end') ? { end: isoFromLocal(formValue(form, 'end'), timeZone) } : {}),
          })
        }
      >
        <Field label="License ARN">
          <input name="arn" placeholder="arn:aws:license-manager::123456789012:license/l-…" spellcheck={false} />
        </Field>
        <Field label="Customer">
          <select name="customer">
            {world.customers.map((c) => (
              <option key={c.identifier} value={c.identifier}>
                {c.identifier}
              </option>
            ))}
          </select>
        </Field>
        <Field label="Product">
          <select name="product">
            {world.products.map((p) => (
              <option key={p.code} value={p.code}>
                {p.code}
              </option>
            ))}
          </select>
        </Field>
        <Field label={`From (${timeZone})`}>
          <input name="start" type="datetime-local" step="1" defaultValue={toDateTimeLocal(clock.data?.nowMs ?? Date.now(), timeZone)} />
        </Field>
        <Field label={`Until (${timeZone})`} hint="optional">
          <input name="end" type="datetime-local" step="1" />
        </Field>
      </ItemForm>
    </Card>
  )
}

function AccountsCard({ world, onChange }: CardProps) {
  const { admin } = useConsole()
  const [editing, setEditing] = useState<Account | undefined>()
  return (
    <Card title="Accounts and credentials" id="accounts" wide>
      <div class="table-scroll">
        <table class="table" data-testid="accounts-table">
          <thead>
            <tr>
              <th scope="col">Account</th>
              <th scope="col">Credentials (access key · Region · resource)</th>
              <th scope="col">
                <span class="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {world.accounts.map((a) => (
              <tr key={a.id}>
                <td>
                  {a.id}
                  {a.name && <span class="muted"> · {a.name}</span>}
                </td>
                <td>
                  {a.credentials.length === 0 ? (
                    <span class="muted">none: this account cannot sign calls</span>
                  ) : (
                    <ul class="plain-list">
                      {a.credentials.map((c) => (
                        <li key={c.accessKeyId}>
                          <code>{c.accessKeyId}</code> · {c.region}
                          {c.resourceId && <> · {c.resourceId}</>}
                          {c.platform && <> ({c.platform})</>}
                          {c.sessionToken && <Badge tone="info">session token</Badge>}{' '}
                          <RemoveCredential accountId={a.id} accessKeyId={c.accessKeyId} onDone={onChange} />
                        </li>
                      ))}
                    </ul>
                  )}
                </td>
                <td class="actions">
                  <button type="button" class="button small" onClick={() => setEditing(a)} aria-label={`Edit account ${a.id}`}>
                    Edit
                  </button>
                  <DeleteButton label={`Delete account ${a.id}`} remove={() => admin.remove('accounts', a.id)} onDone={onChange} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <div class="two-columns">
        <ItemForm
          key={editing?.id ?? 'new'}
          label={editing ? `Edit account ${editing.id}` : 'Add an account'}
          editing={editing !== undefined}
          onCancel={editing ? () => setEditing(undefined) : undefined}
          onDone={() => {
            setEditing(undefined)
            onChange()
          }}
          submit={(form) => {
            const body = {
              id: formValue(form, 'id') ?? '',
              ...(formValue(form, 'name') ? { name: formValue(form, 'name') } : {}),
              credentials: editing?.credentials ?? [],
            }
            return editing ? admin.put('accounts', editing.id, body) : admin.create('accounts', body)
          }}
        >
          <h3>{editing ? `Edit account ${editing.id}` : 'Add an account'}</h3>
          <Field label="Account id">
            <input name="id" defaultValue={editing?.id} readOnly={editing !== undefined} inputMode="numeric" placeholder="12 digits" />
          </Field>
          <Field label="Name" hint="optional">
            <input name="name" defaultValue={editing?.name} />
          </Field>
        </ItemForm>
        <ItemForm
          label="Add a credential"
          editing={false}
          onDone={onChange}
          submit={(form) =>
            admin.request('POST', `/accounts/${encodeURIComponent(formValue(form, 'account') ?? '')}/credentials`, {
              accessKeyId: formValue(form, 'accessKeyId') ?? '',
              secretAccessKey: formValue(form, 'secretAccessKey') ?? '',
              region: formValue(form, 'region') ?? 'us-east-1',
              ...(formValue(form, 'resourceId') ? { resourceId: formValue(form, 'resourceId') } : {}),
              ...(formValue(form, 'platform') ? { platform: formValue(form, 'platform') } : {}),
            })
          }
        >
          <h3>Add a credential</h3>
          <Field label="Account">
            <select name="account">
              {world.accounts.map((a) => (
                <option key={a.id} value={a.id}>
                  {a.id}
                </option>
              ))}
            </select>
          </Field>
          <Field label="Access key id">
            <input name="accessKeyId" placeholder="AKIA…" spellcheck={false} />
          </Field>
          <Field label="Secret access key">
            <input name="secretAccessKey" type="password" autocomplete="off" />
          </Field>
          <Field label="Region">
            <input name="region" defaultValue="us-east-1" />
          </Field>
          <Field label="Resource id" hint="optional: the instance, task or pod calls come from">
            <input name="resourceId" />
          </Field>
          <Field label="Platform">
            <select name="platform">
              <option value="">none</option>
              {['ec2', 'ecs', 'eks', 'fargate', 'other'].map((p) => (
                <option key={p} value={p}>
                  {p}
                </option>
              ))}
            </select>
          </Field>
        </ItemForm>
      </div>
    </Card>
  )
}
