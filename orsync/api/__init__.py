"""The parts of orsync.client: endpoint table, HTTP engine, pagination, method families."""
