import { configFrom, type Command } from '../command.js';

export const serveCommand: Command = {
  name: 'serve',
  summary: 'Run the server (the same as npm start)',
  usage: 'keygate serve\n\nConfiguration comes from the environment (PORT, HOST, DATABASE_URL, …); see the README.',
  options: {},
  async run(_values, io) {
    // The server (Fastify and its plugins) loads only for this command.
    const config = configFrom(io);
    const { serve } = await import('../../server.js');
    await serve(config);
  },
};
