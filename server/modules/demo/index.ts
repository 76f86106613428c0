export { seedDemo } from './demo.seed.ts';
export type { SeedDemoOptions, SeedDemoResult } from './demo.seed.ts';
export { seedDemoInsights } from './demo.insights.ts';
export { seedDemoMessages } from './demo.messages.ts';
export { seedDemoLoyalty } from './demo.loyalty.ts';
export { seedDemoService } from './demo.service.ts';
export { seedDemoAfterSales } from './demo.aftersales.ts';
export { seedDemoSurveys } from './demo.surveys.ts';
