-- One database per service: no service reads another's tables.
CREATE DATABASE auth_gateway;
CREATE DATABASE connection_store;
CREATE DATABASE plan_limits;
CREATE DATABASE token_refresher;
