"""Parley's carrier app: everything between a tenant and its Bandwidth account.

The Bandwidth accounts Parley provisions tenants on, each tenant's provisioning (site, location,
applications, callback credentials), the Bandwidth client for a tenant or an account, and the
authentication of Bandwidth's webhooks. It stands on ``tenants`` and below ``numbers``,
``messaging`` and ``voice``, which reach Bandwidth only through it.
"""
